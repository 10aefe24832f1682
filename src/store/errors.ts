// The store's error for people: the database cannot be used as configured.

/** The database cannot be used as configured (store.path): the message says what to change. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}
