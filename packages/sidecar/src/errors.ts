/** Error codes of the sidecar package; part of the API. */
export const SidecarErrorCodes = {
  /** The pin directory is on another filesystem than the storage directory: no hard links. */
  pinCrossDevice: 'ERR_SIDECAR_PIN_CROSS_DEVICE',
  /** A pin could not be made or released (I/O). */
  pinIo: 'ERR_SIDECAR_PIN_IO',
} as const;

/** One of the codes in `SidecarErrorCodes`. */
export type SidecarErrorCode = (typeof SidecarErrorCodes)[keyof typeof SidecarErrorCodes];
