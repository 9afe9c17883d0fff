/** Pure model analytics: drift detectors, calibration, classification and regression scores, streaming windows. */

export { Adwin, type AdwinOptions, type AdwinRowState, type AdwinState } from './adwin.ts';
export { PageHinkley, type PageHinkleyMode, type PageHinkleyOptions, type PageHinkleyState } from './page-hinkley.ts';
export {
  binLabels,
  calibrationLabel,
  expectedCalibrationError,
  ProbabilityBins,
  reliabilityCurve,
  type BinaryLabel,
  type ReliabilityBin,
  type ReliabilityCurve,
} from './calibration.ts';
export {
  classificationReport,
  type AveragedMetrics,
  type ClassificationReport,
  type ClassificationReportOptions,
  type ClassMetrics,
} from './classification.ts';
export { mae, rmse } from './regression.ts';
export { RollingClassification, type RollingClassificationState } from './rolling-classification.ts';
export { RollingRegression, type RegressionSummary, type RollingRegressionState } from './rolling-regression.ts';
export { RollingCalibration, type CalibrationSummary, type RollingCalibrationState } from './rolling-calibration.ts';
export {
  PendingPredictions,
  type DropReason,
  type PendingEntryState,
  type PendingPredictionsOptions,
  type PendingPredictionsState,
} from './pending.ts';
