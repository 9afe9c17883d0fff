/**
 * The values of the `reason` label of a failed file export. A module of its own so that the public
 * index exports them without loading the file exporter, which a bot without `exportDirectory` never uses.
 */
export const FILE_EXPORT_FAILURE_REASONS = Object.freeze([
  'no_space',
  'permission',
  'read_only',
  'missing_directory',
  'io_error',
] as const);
/**
 * Why a file export failed, from the file-system error: `no_space` (ENOSPC, EDQUOT), `permission` (EACCES, EPERM),
 * `read_only` (EROFS), `missing_directory` (ENOENT, ENOTDIR, or a file where the directory was), `io_error` (any other).
 */
export type FileExportFailureReason = (typeof FILE_EXPORT_FAILURE_REASONS)[number];
