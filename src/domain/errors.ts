/**
 * An input the domain refuses (a malformed bill, an invalid policy pack). The code is
 * stable and machine-readable; the HTTP layer maps it to a 4xx. Expected business
 * outcomes (a cap reached, a category not eligible) are never errors: they are
 * reason codes on the settlement.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
