// Test and bench helper: a course with one collection graded by a given config, a staff member
// `ta`, and students who each hand in one main.cpp.
import type { SubmissionService, SubmissionStore } from '../../src/extensions/submission/index.js';
import type { TestStack } from './stack.js';

/** main.cpp compiled, and one test: "1 2" must print 3 (a delivery takes most of a second). */
export const SUM_ONE_TEST_CONFIG = `_settings:
  lang: cpp/g++:12
  lang_version_may_differ: true
  use_template: FILENAMES
  template: [main.cpp]
  stage_wait_duration_secs: 20
compile:
  input: ["*.cpp"]
  output: main
  flags: ["-std=c++17"]
stdioTest:
  testCases:
    - { id: 1, file: main, stdin: "1 2", expected: "3", score: 1 }
score:
  normalizedTo: 100
`;

/** Only scores (nothing to compile or run): every report is NO_TESTS, in milliseconds. */
export const SCORE_ONLY_CONFIG = `_settings:
  lang: cpp/g++:12
  lang_version_may_differ: true
score:
  normalizedTo: 100
`;

export interface SeededCourse {
  service: SubmissionService;
  store: SubmissionStore;
  courseId: string;
  collectionId: string;
  configVersion: string;
}

/** Creates course `code` with collection `main` (open all of 2026) graded by `yaml`. */
export async function seedCourse(
  stack: TestStack,
  code: string,
  yaml: string,
): Promise<SeededCourse> {
  const { service, store } = stack.zinc.submission;
  const course = await store.ensureCourse({ code });
  const activity = await store.ensureActivity(course.id, code.toLowerCase());
  const collection = await store.ensureCollection(
    activity.id,
    'main',
    '2026-01-01T00:00:00Z',
    '2027-01-01T00:00:00Z',
  );
  const { configs } = stack.zinc.pipeline.service;
  const { id } = await configs.addVersion(yaml, []);
  await configs.attachToCollection(collection.id, id);
  await store.ensureUser({ id: 'ta' });
  await store.setMember(course.id, 'ta', 'staff');
  return { service, store, courseId: course.id, collectionId: collection.id, configVersion: id };
}

/** Makes `userId` a student of the course and hands in `program` (as main.cpp unless named). */
export async function deliverProgram(
  course: SeededCourse,
  userId: string,
  program: string,
  fileName = 'main.cpp',
): Promise<void> {
  await course.store.ensureUser({ id: userId });
  await course.store.setMember(course.courseId, userId, 'student');
  await course.service.deliver({
    collectionId: course.collectionId,
    userId,
    submittedAt: new Date('2026-06-01T00:00:00Z'),
    files: [{ path: fileName, content: Buffer.from(program) }],
  });
}
