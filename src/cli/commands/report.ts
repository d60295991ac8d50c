// `zinc report show <batchId> <studentId|deliveryId>`: a stored report as `zinc try` prints a
// fresh one (the same text formatter), the staff view or, with --student-view, what the student
// sees. The requester's access decides as in the API: staff of the course, or the delivery's own
// student (who gets the student view whatever they ask). Loads zinc only when it runs.
import { ReportNotFoundError } from '../../failures.js';
import type { Command } from 'commander';
import { actor } from '../actor.js';
import { configFrom } from '../context.js';

/** Registers `zinc report show`. */
export function registerReportCommands(program: Command): void {
  const report = program
    .command('report')
    .description('stored grading reports: show one as zinc try prints it');
  report
    .command('show <batchId> <student>')
    .description(
      "print the stored report of a student (or a delivery ID) in a batch as zinc try prints one; hidden tests' contents are removed with --student-view",
    )
    .option('--student-view', 'what the student sees: hidden tests and outputs removed')
    .option(
      '--as <user>',
      "who asks (staff of the course, or the delivery's student; default ZINC_USER or your login)",
    )
    .option('--json', 'print the report document (with batchId, deliveryId, userId, view) as JSON')
    .action(
      async (
        batchId: string,
        student: string,
        opts: { studentView?: boolean; as?: string; json?: boolean },
        command: Command,
      ) => {
        const config = configFrom(command);
        const [{ withZinc }, { formatReportText }] = await Promise.all([
          import('../../main/zinc.js'),
          import('../../extensions/pipeline/index.js'),
        ]);
        const shown = await withZinc(config, async ({ core, pipeline, submission }) => {
          const deliveryId = await deliveryOf(
            { reports: pipeline.service.reports, deliveries: submission.store },
            batchId,
            student,
          );
          const { delivery, view } = await core.access.delivery(
            actor(opts, config),
            deliveryId,
            'report.read',
          );
          const asked = opts.studentView ? 'student' : view;
          const found = await pipeline.service.reportView(batchId, deliveryId, asked);
          if (!found) {
            throw new ReportNotFoundError(
              `batch ${batchId} has no report of delivery ${deliveryId}`,
            );
          }
          return { ...found, deliveryId, userId: delivery.userId };
        });
        if (opts.json) {
          const answer = {
            batchId,
            deliveryId: shown.deliveryId,
            userId: shown.userId,
            view: shown.view,
            score: shown.score,
            maxScore: shown.maxScore,
            configVersion: shown.record.configId,
            createdAt: shown.record.createdAt,
            report: shown.report,
          };
          process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `report of ${shown.userId} (delivery ${shown.deliveryId}) in batch ${batchId}, ${shown.view} view\n` +
            formatReportText(shown.report, { inputs: true }),
        );
      },
    );
}

/**
 * The delivery `student` names in the batch: a delivery ID of one of its reports, or the
 * student whose delivery it graded. ReportNotFound otherwise.
 */
async function deliveryOf(
  deps: {
    reports: { listForBatch(batchId: string): Promise<Array<{ deliveryId: string }>> };
    deliveries: {
      getDeliveries(ids: readonly string[]): Promise<Array<{ id: string; userId: string }>>;
    };
  },
  batchId: string,
  student: string,
): Promise<string> {
  const ids = (await deps.reports.listForBatch(batchId)).map((r) => r.deliveryId);
  if (ids.length === 0) throw new ReportNotFoundError(`batch ${batchId} has no reports`);
  if (ids.includes(student)) return student;
  const graded = (await deps.deliveries.getDeliveries(ids)).filter((d) => d.userId === student);
  if (graded.length === 0) {
    throw new ReportNotFoundError(
      `batch ${batchId} has no report of student or delivery ${student}`,
    );
  }
  // A batch grades one delivery per student.
  return graded[0]!.id;
}
