// Kuma's accepted status codes: a list of single codes ("301") and inclusive ranges ("200-299").

/** What one entry of `acceptedStatusCodes` looks like. */
export const STATUS_CODE_PATTERN = /^\s*[1-5]\d\d\s*(?:-\s*[1-5]\d\d\s*)?$/;

/** Whether `status` is one of `accepted` (Kuma's checkStatusCode; entries are validated by the schema). */
export function statusAccepted(status: number, accepted: readonly string[]): boolean {
  return accepted.some((entry) => {
    const [low, high] = entry.split('-').map((part) => Number.parseInt(part, 10));
    return low !== undefined && status >= low && status <= (high ?? low);
  });
}
