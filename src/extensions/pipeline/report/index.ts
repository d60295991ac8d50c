// Grading reports: their shape (ZINC's), the student's view, and a plain-text rendering.
export * from './types.js';
export { REPORT_OUTPUT_CAP_BYTES, outputText } from './output-text.js';
export { countVerdicts } from './verdict-counts.js';
export { studentView } from './student-view.js';
export type {
  HiddenTestReport,
  StudentReport,
  StudentStageReport,
  StudentStdioTestStageReport,
  StudentViewOptions,
} from './student-view.js';
export { formatReportText } from './text.js';
