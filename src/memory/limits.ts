/** The limits of SPEC §1 (those of Managed Agents memory stores); configurable per fleet. */
export interface StoreLimits {
  maxFileBytes: number;
  maxFiles: number;
}

export const defaultLimits: StoreLimits = { maxFileBytes: 102_400, maxFiles: 2_000 };

export const maxPathBytes = 1_024;
export const maxPathSegments = 20;
/** One segment of a path (a file or folder name): what file systems allow. */
export const maxSegmentBytes = 255;
