// Shape checks of the params of the LSP messages the server handles, so that a malformed message gets InvalidParams
// naming the field instead of an internal error with a TypeError text. Only what the handlers read is checked.

type Check = (params: unknown) => string | undefined;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(obj: unknown, dotted: string): unknown {
  let v: unknown = obj;
  for (const k of dotted.split('.')) v = isObject(v) ? v[k] : undefined;
  return v;
}

const str = (path: string): Check => (p) => (typeof field(p, path) === 'string' ? undefined : `${path} must be a string`);
const uint = (path: string): Check => (p) => {
  const v = field(p, path);
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? undefined : `${path} must be a non-negative integer`;
};
const obj = (path: string): Check => (p) => (isObject(field(p, path)) ? undefined : `${path} must be an object`);
const optional = (path: string, check: Check): Check => (p) => (field(p, path) === undefined || field(p, path) === null ? undefined : check(p));
const array = (path: string): Check => (p) => (Array.isArray(field(p, path)) ? undefined : `${path} must be an array`);

/** A request id: an integer or a string (JSON-RPC). */
const requestId: Check = (p) => {
  const v = field(p, 'id');
  return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'string' ? undefined : 'id must be an integer or a string';
};

const DOCUMENT = [obj('textDocument'), str('textDocument.uri')];
const POSITION = [...DOCUMENT, obj('position'), uint('position.line'), uint('position.character')];
const ITEM = [obj('item'), str('item.name'), str('item.uri'), obj('item.range'), obj('item.selectionRange')];

const CHECKS: Record<string, Check[]> = {
  initialize: [optional('rootUri', str('rootUri')), optional('workspaceFolders', array('workspaceFolders')), optional('capabilities', obj('capabilities'))],
  'textDocument/definition': POSITION,
  'textDocument/declaration': POSITION,
  'textDocument/references': POSITION,
  'textDocument/hover': POSITION,
  'textDocument/prepareCallHierarchy': POSITION,
  'textDocument/documentSymbol': DOCUMENT,
  'callHierarchy/incomingCalls': ITEM,
  'callHierarchy/outgoingCalls': ITEM,
  'workspace/symbol': [str('query')],
  'textDocument/didOpen': [...DOCUMENT, str('textDocument.text')],
  'textDocument/didChange': [...DOCUMENT, array('contentChanges')],
  'textDocument/didClose': DOCUMENT,
  // vscode-jsonrpc reads params.id of a cancellation before any handler: without one it threw inside the reader.
  '$/cancelRequest': [requestId],
};

/** Why `params` cannot be the params of `method` (the first bad field), or undefined when they can. */
export function invalidParams(method: string, params: unknown): string | undefined {
  const checks = CHECKS[method];
  if (!checks) return undefined;
  if (!isObject(params)) return 'params must be an object';
  for (const check of checks) {
    const why = check(params);
    if (why) return why;
  }
  return undefined;
}
