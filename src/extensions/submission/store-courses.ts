// Courses, users, memberships, activities and collections: get-or-create by natural key.
import { InvalidSubmissionInputError } from '../../failures.js';
import type { Queryable } from '../../platform/database.js';
import { newId } from '../../platform/ids.js';
import {
  COLLECTION_COLUMNS,
  COURSE_COLUMNS,
  toActivity,
  toCollection,
  toCourse,
  toTimestamp,
  toUser,
} from './store-rows.js';
import type { ActivityRow, CollectionRow, CourseRow, UserRow } from './store-rows.js';
import type {
  Activity,
  Collection,
  CollectionDetails,
  Course,
  MemberRole,
  Membership,
  User,
} from './store-types.js';

interface CollectionDetailsRow extends CollectionRow {
  course_id: string;
  activity_name: string;
  course_code: string;
  course_name: string;
  course_term: string | null;
}

const COLLECTION_DETAILS_SQL = `
SELECT c.id, c.activity_id, c.name, c.start_at, c.stop_at,
       a.course_id, a.name AS activity_name,
       co.code AS course_code, co.name AS course_name, co.term AS course_term
  FROM collections c
  JOIN activities a ON a.id = c.activity_id
  JOIN courses co ON co.id = a.course_id`;

function toDetails(row: CollectionDetailsRow): CollectionDetails {
  return {
    ...toCollection(row),
    activity: { id: row.activity_id, courseId: row.course_id, name: row.activity_name },
    course: {
      id: row.course_id,
      code: row.course_code,
      name: row.course_name,
      term: row.course_term,
    },
  };
}

/** A non-empty, trimmed text field, or InvalidSubmissionInputError naming it. */
export function requireText(value: string, field: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') throw new InvalidSubmissionInputError(`${field} must be a non-empty string`);
  return text;
}

/** Whether `err` is PostgreSQL's foreign-key violation (a referenced row is missing). */
export function isForeignKeyViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23503';
}

/** The course, user, membership, activity and collection half of the submission store. */
export function createCourseStore(db: Queryable) {
  const one = async <R>(sql: string, params: unknown[]): Promise<R | undefined> =>
    (await db.query<R>(sql, params)).rows[0];

  return {
    /** The course with `code`, created (name defaults to the code) when there is none. */
    async ensureCourse(input: { code: string; name?: string; term?: string }): Promise<Course> {
      const code = requireText(input.code, 'course code');
      const created = await one<CourseRow>(
        `INSERT INTO courses (id, code, name, term) VALUES ($1, $2, $3, $4)
         ON CONFLICT (code) DO NOTHING RETURNING ${COURSE_COLUMNS}`,
        [newId('crs'), code, input.name?.trim() || code, input.term?.trim() || null],
      );
      const row =
        created ??
        (await one<CourseRow>(`SELECT ${COURSE_COLUMNS} FROM courses WHERE code = $1`, [code]));
      return toCourse(row!);
    },

    /** The course with `code`, or null. */
    async getCourseByCode(code: string): Promise<Course | null> {
      const row = await one<CourseRow>(`SELECT ${COURSE_COLUMNS} FROM courses WHERE code = $1`, [
        code.trim(),
      ]);
      return row ? toCourse(row) : null;
    },

    /** The user `id`, created when missing; a given display name replaces the stored one. */
    async ensureUser(input: { id: string; displayName?: string }): Promise<User> {
      const id = requireText(input.id, 'user id');
      const displayName = input.displayName?.trim() || null;
      const written = await one<UserRow>(
        `INSERT INTO users (id, display_name) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name
           WHERE EXCLUDED.display_name IS NOT NULL
             AND EXCLUDED.display_name IS DISTINCT FROM users.display_name
         RETURNING id, display_name`,
        [id, displayName],
      );
      const row =
        written ?? (await one<UserRow>('SELECT id, display_name FROM users WHERE id = $1', [id]));
      return toUser(row!);
    },

    /** Makes `userId` a member of `courseId` with `role`, replacing an earlier role. */
    async setMember(courseId: string, userId: string, role: MemberRole): Promise<void> {
      if (role !== 'student' && role !== 'staff') {
        throw new InvalidSubmissionInputError(
          `role must be 'student' or 'staff', not ${JSON.stringify(role)}`,
        );
      }
      try {
        await db.query(
          `INSERT INTO course_members (course_id, user_id, role) VALUES ($1, $2, $3)
           ON CONFLICT (course_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
          [courseId, userId, role],
        );
      } catch (err) {
        if (!isForeignKeyViolation(err)) throw err;
        throw new InvalidSubmissionInputError(
          `cannot add user ${userId} to course ${courseId}: the course or the user does not exist`,
          { cause: err },
        );
      }
    },

    /** The role of `userId` in `courseId`, or null when not a member. */
    async getMemberRole(courseId: string, userId: string): Promise<MemberRole | null> {
      const row = await one<{ role: MemberRole }>(
        'SELECT role FROM course_members WHERE course_id = $1 AND user_id = $2',
        [courseId, userId],
      );
      return row?.role ?? null;
    },

    /** Removes `userId` from `courseId`; whether they were a member. */
    async removeMember(courseId: string, userId: string): Promise<boolean> {
      const { rows } = await db.query<{ user_id: string }>(
        'DELETE FROM course_members WHERE course_id = $1 AND user_id = $2 RETURNING user_id',
        [courseId, userId],
      );
      return rows.length > 0;
    },

    /** Every membership (of one course, of one role, if asked), by course code and user ID. */
    async listMemberships(
      options: { courseId?: string | undefined; role?: MemberRole | undefined } = {},
    ): Promise<Membership[]> {
      const { rows } = await db.query<{
        code: string;
        user_id: string;
        display_name: string | null;
        role: MemberRole;
      }>(
        `SELECT c.code, m.user_id, u.display_name, m.role
           FROM course_members m
           JOIN courses c ON c.id = m.course_id
           JOIN users u ON u.id = m.user_id
          WHERE ($1::text IS NULL OR m.course_id = $1) AND ($2::text IS NULL OR m.role = $2)
          ORDER BY c.code, m.role, m.user_id`,
        [options.courseId ?? null, options.role ?? null],
      );
      return rows.map((r) => ({
        courseCode: r.code,
        userId: r.user_id,
        displayName: r.display_name,
        role: r.role,
      }));
    },

    /** The members of a course with `role`, by user ID, with their display names. */
    async listMembers(courseId: string, role: MemberRole): Promise<User[]> {
      const { rows } = await db.query<UserRow>(
        `SELECT u.id, u.display_name FROM course_members m JOIN users u ON u.id = m.user_id
          WHERE m.course_id = $1 AND m.role = $2 ORDER BY u.id`,
        [courseId, role],
      );
      return rows.map(toUser);
    },

    /** The activity `name` of the course, created when missing. */
    async ensureActivity(courseId: string, name: string): Promise<Activity> {
      const activityName = requireText(name, 'activity name');
      let created: ActivityRow | undefined;
      try {
        created = await one<ActivityRow>(
          `INSERT INTO activities (id, course_id, name) VALUES ($1, $2, $3)
           ON CONFLICT (course_id, name) DO NOTHING RETURNING id, course_id, name`,
          [newId('act'), courseId, activityName],
        );
      } catch (err) {
        if (!isForeignKeyViolation(err)) throw err;
        throw new InvalidSubmissionInputError(`course ${courseId} does not exist`, { cause: err });
      }
      const row =
        created ??
        (await one<ActivityRow>(
          'SELECT id, course_id, name FROM activities WHERE course_id = $1 AND name = $2',
          [courseId, activityName],
        ));
      return toActivity(row!);
    },

    /**
     * The collection `name` of the activity, created with the given window when missing; an
     * existing one is returned as it is (its window is not changed).
     */
    async ensureCollection(
      activityId: string,
      name: string,
      startAt: Date | string,
      stopAt: Date | string,
    ): Promise<Collection> {
      const collectionName = requireText(name, 'collection name');
      const start = toTimestamp(startAt, 'collection start');
      const stop = toTimestamp(stopAt, 'collection stop');
      if (Date.parse(stop) <= Date.parse(start)) {
        throw new InvalidSubmissionInputError(
          `collection ${collectionName}: stop ${stop} must be after start ${start}`,
        );
      }
      let created: CollectionRow | undefined;
      try {
        created = await one<CollectionRow>(
          `INSERT INTO collections (id, activity_id, name, start_at, stop_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (activity_id, name) DO NOTHING RETURNING ${COLLECTION_COLUMNS}`,
          [newId('col'), activityId, collectionName, start, stop],
        );
      } catch (err) {
        if (!isForeignKeyViolation(err)) throw err;
        throw new InvalidSubmissionInputError(`activity ${activityId} does not exist`, {
          cause: err,
        });
      }
      const row =
        created ??
        (await one<CollectionRow>(
          `SELECT ${COLLECTION_COLUMNS} FROM collections WHERE activity_id = $1 AND name = $2`,
          [activityId, collectionName],
        ));
      return toCollection(row!);
    },

    /**
     * Changes a collection's window: the given ends replace the stored ones, the other end stays.
     * InvalidSubmissionInputError (nothing changed) when stop would not be after start; null when
     * there is no such collection. Returns the window before and after.
     */
    async setCollectionWindow(
      id: string,
      window: { startAt?: Date | string | undefined; stopAt?: Date | string | undefined },
    ): Promise<{ before: Collection; after: Collection } | null> {
      const current = await one<CollectionRow>(
        `SELECT ${COLLECTION_COLUMNS} FROM collections WHERE id = $1`,
        [id],
      );
      if (!current) return null;
      const before = toCollection(current);
      const start =
        window.startAt === undefined ? before.startAt : toTimestamp(window.startAt, 'start');
      const stop = window.stopAt === undefined ? before.stopAt : toTimestamp(window.stopAt, 'stop');
      if (Date.parse(stop) <= Date.parse(start)) {
        throw new InvalidSubmissionInputError(
          `collection ${before.name}: stop ${stop} must be after start ${start}`,
        );
      }
      const row = await one<CollectionRow>(
        `UPDATE collections SET start_at = $2, stop_at = $3 WHERE id = $1
         RETURNING ${COLLECTION_COLUMNS}`,
        [id, start, stop],
      );
      return { before, after: toCollection(row!) };
    },

    /** Whether live feedback is on for the collection; null when there is no such ID. */
    async getLiveFeedback(id: string): Promise<boolean | null> {
      const row = await one<{ live_feedback: boolean }>(
        'SELECT live_feedback FROM collections WHERE id = $1',
        [id],
      );
      return row ? row.live_feedback : null;
    },

    /** Turns live feedback on or off; the setting before and after, or null (no such ID). */
    async setLiveFeedback(
      id: string,
      on: boolean,
    ): Promise<{ before: boolean; after: boolean } | null> {
      const row = await one<{ before: boolean }>(
        `UPDATE collections c SET live_feedback = $2
           FROM (SELECT live_feedback FROM collections WHERE id = $1 FOR UPDATE) old
          WHERE c.id = $1 RETURNING old.live_feedback AS before`,
        [id, on],
      );
      return row ? { before: row.before, after: on } : null;
    },

    /** The collection with its activity and course, or null when there is no such ID. */
    async getCollection(id: string): Promise<CollectionDetails | null> {
      const row = await one<CollectionDetailsRow>(`${COLLECTION_DETAILS_SQL} WHERE c.id = $1`, [
        id,
      ]);
      return row ? toDetails(row) : null;
    },

    /** Every collection with its activity and course, by course code, activity and name. */
    async listCollections(): Promise<CollectionDetails[]> {
      const { rows } = await db.query<CollectionDetailsRow>(
        `${COLLECTION_DETAILS_SQL} ORDER BY co.code, a.name, c.name, c.id`,
      );
      return rows.map(toDetails);
    },
  };
}
