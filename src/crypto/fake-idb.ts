// The slice of IndexedDB the crypto store touches, typed without the DOM library, over fake-indexeddb's classes.
import * as fake from 'fake-indexeddb';

/** An IndexedDB key: number, string, Date, binary, or an array of keys. */
export type IdbKey = number | string | Date | ArrayBuffer | ArrayBufferView | IdbKey[];

/** A DOM-style event as fake-indexeddb dispatches it. */
export interface IdbEvent {
  stopImmediatePropagation(): void;
}

/** A request: its result once `success` fired, or its error. */
export interface IdbRequest<T = unknown> {
  readonly result: T;
  readonly error: unknown;
  readonly readyState: 'pending' | 'done';
  readonly transaction: IdbTransaction | null;
  addEventListener(type: 'success' | 'error' | 'upgradeneeded' | 'blocked', listener: (event: IdbEvent) => void): void;
}

export interface IdbFactory {
  open(name: string, version?: number): IdbRequest<IdbDatabase>;
  deleteDatabase(name: string): IdbRequest<undefined>;
  databases(): Promise<Array<{ name: string; version: number }>>;
}

export interface IdbStringList {
  readonly length: number;
  [index: number]: string;
  contains(name: string): boolean;
}

export interface IdbDatabase {
  readonly name: string;
  readonly version: number;
  readonly objectStoreNames: IdbStringList;
  transaction(stores: string | string[], mode?: 'readonly' | 'readwrite'): IdbTransaction;
  createObjectStore(name: string, options?: { keyPath?: string | string[] | null; autoIncrement?: boolean }): IdbObjectStore;
  deleteObjectStore(name: string): void;
  close(): void;
}

export interface IdbTransaction {
  readonly mode: 'readonly' | 'readwrite' | 'versionchange';
  readonly db: IdbDatabase;
  readonly error: unknown;
  objectStore(name: string): IdbObjectStore;
  addEventListener(type: 'complete' | 'abort' | 'error', listener: (event: IdbEvent) => void): void;
}

export interface IdbObjectStore {
  name: string;
  readonly keyPath: string | string[] | null;
  readonly autoIncrement: boolean;
  readonly transaction: IdbTransaction;
  readonly indexNames: IdbStringList;
  put(value: unknown, key?: IdbKey): IdbRequest<IdbKey>;
  add(value: unknown, key?: IdbKey): IdbRequest<IdbKey>;
  delete(query: IdbKey | IdbKeyRange): IdbRequest<undefined>;
  clear(): IdbRequest<undefined>;
  getAllKeys(query?: IdbKey | IdbKeyRange): IdbRequest<IdbKey[]>;
  createIndex(name: string, keyPath: string | string[], options?: { unique?: boolean; multiEntry?: boolean }): IdbIndex;
  deleteIndex(name: string): void;
  index(name: string): IdbIndex;
}

export interface IdbIndex {
  name: string;
  readonly keyPath: string | string[];
  readonly unique: boolean;
  readonly multiEntry: boolean;
  readonly objectStore: IdbObjectStore;
}

export interface IdbCursor {
  readonly source: IdbObjectStore | IdbIndex;
  readonly primaryKey: IdbKey;
  update(value: unknown): IdbRequest<IdbKey>;
  delete(): IdbRequest<undefined>;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- only `instanceof` is used on ranges
export interface IdbKeyRange {}

type Ctor<T> = abstract new (...args: never[]) => T;

/** fake-indexeddb's classes, under the types above. */
export const Fake = {
  IDBFactory: fake.IDBFactory as unknown as new () => IdbFactory,
  IDBIndex: fake.IDBIndex as unknown as Ctor<IdbIndex>,
  IDBKeyRange: fake.IDBKeyRange as unknown as Ctor<IdbKeyRange>,
};

/** The prototypes whose writing methods the mirror wraps. */
export const FakePrototypes = {
  database: (fake.IDBDatabase as { prototype: unknown }).prototype as IdbDatabase,
  objectStore: (fake.IDBObjectStore as { prototype: unknown }).prototype as IdbObjectStore,
  index: (fake.IDBIndex as { prototype: unknown }).prototype as IdbIndex,
  cursor: (fake.IDBCursor as { prototype: unknown }).prototype as IdbCursor,
};

/** The global names IndexedDB code looks up (wasm-bindgen checks `instanceof` against them). */
const GLOBAL_CLASSES: Record<string, unknown> = {
  IDBCursor: fake.IDBCursor, IDBCursorWithValue: fake.IDBCursorWithValue, IDBDatabase: fake.IDBDatabase,
  IDBFactory: fake.IDBFactory, IDBIndex: fake.IDBIndex, IDBKeyRange: fake.IDBKeyRange, IDBObjectStore: fake.IDBObjectStore,
  IDBOpenDBRequest: fake.IDBOpenDBRequest, IDBRequest: fake.IDBRequest, IDBTransaction: fake.IDBTransaction,
  IDBVersionChangeEvent: fake.IDBVersionChangeEvent,
};

/** Makes `factory` the process's `indexedDB`, with fake-indexeddb's classes as the IDB* globals. */
export function installIndexedDb(factory: IdbFactory): void {
  const writable = (value: unknown): PropertyDescriptor => ({ value, writable: true, configurable: true, enumerable: false });
  for (const [name, value] of Object.entries(GLOBAL_CLASSES)) Object.defineProperty(globalThis, name, writable(value));
  Object.defineProperty(globalThis, 'indexedDB', writable(factory));
}
