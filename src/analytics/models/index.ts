/** Pure model analytics: drift detectors, calibration, classification and regression scores, streaming windows. */

export { Adwin, type AdwinOptions } from './adwin.ts';
export { PageHinkley, type PageHinkleyMode, type PageHinkleyOptions } from './page-hinkley.ts';
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
export { RollingClassification } from './rolling-classification.ts';
export { RollingRegression, type RegressionSummary } from './rolling-regression.ts';
export { RollingCalibration, type CalibrationSummary } from './rolling-calibration.ts';
export { PendingPredictions, type DropReason, type PendingPredictionsOptions } from './pending.ts';
