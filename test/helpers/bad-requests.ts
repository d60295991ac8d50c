// Bad requests to zinc's HTTP API, the cases about tokens, schemas, sizes and media types: what each sends, and the status, error,
// message (and bad fields) it must get. test/api-errors.test.ts runs them.
import { LIMITS, PROGRAMS, type ApiAnswer, type ApiFixture } from './api.js';

/** What the cases need, filled in once the fixture runs (the cases read it lazily). */
export interface BadRequestContext {
  api: ApiFixture;
  /** A completed batch of collection quick. */
  batchId: string;
  /** s1's delivery in collection quick, graded by that batch. */
  s1Delivery: string;
  /** Tokens: s1's expired one, ta's revoked one, and a forged one of the right shape. */
  expired: string;
  revoked: string;
  forged: string;
}

export interface BadRequest {
  name: string;
  send: () => Promise<ApiAnswer>;
  status: number;
  error: string;
  /** Exact text, a pattern, or exact text made once the fixture exists. */
  message: string | RegExp | (() => string);
  fields?: Array<{ path: string; message: string | RegExp }>;
  /** The audit row a refused state-changing request leaves: its action and actor. */
  audit?: { action: string; actor: string };
}

/** A multipart form: [field, content, file name] (no name: a plain field). */
export function form(parts: Array<[string, string | Buffer, string?]>): FormData {
  const f = new FormData();
  for (const [field, content, name] of parts) {
    if (name === undefined) f.append(field, String(content));
    else f.append(field, new Blob([content]), name);
  }
  return f;
}

/** A JSON POST, sent when called. */
export const post =
  (k: BadRequestContext, path: string, token: string | undefined, json: unknown) => () =>
    k.api.call('POST', path, { token, json });
/** A GET, sent when called. */
export const get = (k: BadRequestContext, path: string, token: string | undefined) => () =>
  k.api.call('GET', path, { token });
/** An upload to a collection, sent when called. */
export const upload =
  (
    k: BadRequestContext,
    collection: () => string,
    token: () => string | undefined,
    body: () => FormData,
  ) =>
  () =>
    k.api.call('POST', `/api/collections/${collection()}/deliveries`, {
      token: token(),
      body: body(),
    });

/** 401, 400, 413 and 415: tokens, bodies, parameters and queries, sizes and media types. */
export function inputCases(k: BadRequestContext): BadRequest[] {
  return [
    // 401: no, malformed, forged, expired or revoked tokens
    {
      name: 'no token',
      send: () => k.api.call('POST', '/api/batches', { json: { collectionId: k.api.ids.quick } }),
      status: 401,
      error: 'unauthorized',
      message: /^no API token: send the header "Authorization: Bearer <token>"/,
      audit: { action: 'api.batch.start', actor: 'anonymous' },
    },
    {
      name: 'Basic instead of Bearer',
      send: () =>
        k.api.call('POST', '/api/batches', {
          headers: { authorization: 'Basic dGE6c2VjcmV0' },
          json: { collectionId: k.api.ids.quick },
        }),
      status: 401,
      error: 'unauthorized',
      message: 'the Authorization header must be "Bearer <token>"',
      audit: { action: 'api.batch.start', actor: 'anonymous' },
    },
    {
      name: 'a token that is not a zinc token',
      send: () => get(k, '/api/batches', 'abc.def.ghi')(),
      status: 401,
      error: 'unauthorized',
      message: /^the bearer token is not a zinc API token/,
    },
    {
      name: 'a forged token of the right shape',
      send: () => post(k, '/api/batches', k.forged, { collectionId: k.api.ids.quick })(),
      status: 401,
      error: 'unauthorized',
      message: 'the bearer token is not known to zinc',
      audit: { action: 'api.batch.start', actor: 'anonymous' },
    },
    {
      name: 'an expired token',
      send: () =>
        upload(
          k,
          () => k.api.ids.quick,
          () => k.expired,
          () => form([['files', PROGRAMS.correct, 'main.cpp']]),
        )(),
      status: 401,
      error: 'unauthorized',
      message: /^token tok_\w+ expired at \d{4}-/,
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    {
      name: 'a revoked token',
      send: () => post(k, '/api/batches', k.revoked, { collectionId: k.api.ids.quick })(),
      status: 401,
      error: 'unauthorized',
      message: /^token tok_\w+ was revoked at \d{4}-/,
      audit: { action: 'api.batch.start', actor: 'ta' },
    },
    {
      name: 'the token in the query string instead of the header',
      send: () => get(k, `/api/batches?access_token=${k.api.tokens.ta}`, undefined)(),
      status: 401,
      error: 'unauthorized',
      message: /^no API token/,
    },
    // 400: bodies, parameters and queries that do not fit the schema
    {
      name: 'malformed JSON',
      send: () =>
        k.api.call('POST', '/api/batches', {
          token: k.api.tokens.ta,
          headers: { 'content-type': 'application/json' },
          body: '{"collectionId": "col_x",',
        }),
      status: 400,
      error: 'bad_request',
      message: 'the body is not valid JSON',
      fields: [{ path: 'body', message: 'not valid JSON' }],
      audit: { action: 'api.batch.start', actor: 'ta' },
    },
    {
      name: 'wrong types',
      send: () =>
        post(k, '/api/batches', k.api.tokens.ta, { collectionId: 42, concurrency: 'lots' })(),
      status: 400,
      error: 'bad_request',
      message:
        'invalid request: body.collectionId: Invalid input: expected string, received number; body.concurrency: expected a whole number',
      fields: [
        { path: 'body.collectionId', message: 'Invalid input: expected string, received number' },
        { path: 'body.concurrency', message: 'expected a whole number' },
      ],
      audit: { action: 'api.batch.start', actor: 'ta' },
    },
    {
      name: 'an unknown field',
      send: () =>
        post(k, '/api/batches', k.api.tokens.ta, { collectionId: k.api.ids.quick, priority: 9 })(),
      status: 400,
      error: 'bad_request',
      message: /Unrecognized key: "priority"/,
      fields: [{ path: 'body', message: 'Unrecognized key: "priority"' }],
      audit: { action: 'api.batch.start', actor: 'ta' },
    },
    {
      name: 'a missing field',
      send: () => post(k, '/api/batches', k.api.tokens.ta, {})(),
      status: 400,
      error: 'bad_request',
      message: /body\.collectionId/,
      fields: [{ path: 'body.collectionId', message: /expected string, received undefined/ }],
      audit: { action: 'api.batch.start', actor: 'ta' },
    },
    {
      name: 'a number out of range',
      send: () =>
        post(k, '/api/batches', k.api.tokens.ta, {
          collectionId: k.api.ids.quick,
          concurrency: 0,
        })(),
      status: 400,
      error: 'bad_request',
      message: 'invalid request: body.concurrency: expected at least 1',
      fields: [{ path: 'body.concurrency', message: 'expected at least 1' }],
      audit: { action: 'api.batch.start', actor: 'ta' },
    },
    {
      name: 'a JSON array instead of an object',
      send: () => post(k, '/api/batches', k.api.tokens.ta, [k.api.ids.quick])(),
      status: 400,
      error: 'bad_request',
      message: /expected object, received array/,
      audit: { action: 'api.batch.start', actor: 'ta' },
    },
    {
      name: 'a path in a body ID',
      send: () => post(k, '/api/batches', k.api.tokens.ta, { collectionId: '../../etc/passwd' })(),
      status: 400,
      error: 'bad_request',
      message: /body\.collectionId: expected an ID of letters, digits/,
      fields: [{ path: 'body.collectionId', message: /^expected an ID of letters, digits/ }],
      audit: { action: 'api.batch.start', actor: 'ta' },
    },
    {
      name: 'an encoded path in a path ID',
      send: () => get(k, '/api/batches/%2e%2e%2f%2e%2e%2fetc%2fpasswd', k.api.tokens.ta)(),
      status: 400,
      error: 'bad_request',
      message: /params\.id: expected an ID of letters, digits/,
      fields: [{ path: 'params.id', message: /^expected an ID of letters, digits/ }],
    },
    {
      name: 'a NUL byte in a path ID',
      send: () => post(k, `/api/batches/batch%00x/cancel`, k.api.tokens.ta, {})(),
      status: 400,
      error: 'bad_request',
      message: /params\.id/,
      audit: { action: 'api.batch.cancel', actor: 'ta' },
    },
    {
      name: 'an ID of 300 characters',
      send: () => get(k, `/api/batches/${'b'.repeat(300)}`, k.api.tokens.ta)(),
      status: 400,
      error: 'bad_request',
      message: 'invalid request: params.id: expected an ID of at most 200 characters',
    },
    {
      name: 'a query flag that is not true or false',
      send: () =>
        get(k, `/api/collections/${k.api.ids.quick}/deliveries?latest=maybe`, k.api.tokens.ta)(),
      status: 400,
      error: 'bad_request',
      message: 'invalid request: query.latest: expected true or false',
    },
    {
      name: 'an unknown query parameter',
      send: () =>
        get(k, `/api/batches?collectionId=${k.api.ids.quick}&sort=asc`, k.api.tokens.ta)(),
      status: 400,
      error: 'bad_request',
      message: /query: Unrecognized key: "sort"/,
    },
    {
      name: 'a time that is not ISO-8601',
      send: () => get(k, '/api/audit?since=yesterday', k.api.tokens.ta)(),
      status: 400,
      error: 'bad_request',
      message:
        'invalid request: query.since: expected an ISO-8601 time such as 2026-09-01T00:00:00Z',
    },
    {
      name: 'a steering reason of 501 characters',
      send: () =>
        post(k, `/api/batches/${k.batchId}/pause`, k.api.tokens.ta, { reason: 'x'.repeat(501) })(),
      status: 400,
      error: 'bad_request',
      message: 'invalid request: body.reason: expected a reason of at most 500 characters',
      audit: { action: 'api.batch.pause', actor: 'ta' },
    },
    // 413: bodies over the limits
    {
      name: 'a JSON body over the limit',
      send: () =>
        post(k, '/api/batches', k.api.tokens.ta, {
          collectionId: k.api.ids.quick,
          padding: 'x'.repeat(20 * 1024),
        })(),
      status: 413,
      error: 'payload_too_large',
      message: 'the body is over the limit of 16 KiB for JSON requests',
      audit: { action: 'api.batch.start', actor: 'ta' },
    },
    {
      name: 'a file over the per-file limit',
      send: upload(
        k,
        () => k.api.ids.quick,
        () => k.api.tokens.s1,
        () => form([['files', Buffer.alloc(LIMITS.maxFileBytes + 1, 65), 'main.cpp']]),
      ),
      status: 413,
      error: 'payload_too_large',
      message: 'main.cpp is more than 20480 bytes, over the limit of 20480 bytes for one file',
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    {
      name: 'a huge upload (10 MiB) in one file',
      send: upload(
        k,
        () => k.api.ids.quick,
        () => k.api.tokens.s1,
        () => form([['files', Buffer.alloc(10 * 1024 * 1024, 65), 'main.cpp']]),
      ),
      status: 413,
      error: 'payload_too_large',
      message: /^main\.cpp is more than 20480 bytes/,
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    {
      name: 'files that add up to more than the delivery limit',
      send: upload(
        k,
        () => k.api.ids.quick,
        () => k.api.tokens.s1,
        () =>
          form(['a.cpp', 'b.cpp', 'c.cpp'].map((n) => ['files', Buffer.alloc(18 * 1024, 66), n])),
      ),
      status: 413,
      error: 'payload_too_large',
      message: 'the files add up to more than 51200 bytes (limit for a delivery); refused at c.cpp',
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    {
      name: 'more files than the limit',
      send: upload(
        k,
        () => k.api.ids.quick,
        () => k.api.tokens.s1,
        () => form([1, 2, 3, 4, 5, 6].map((i) => ['files', 'x', `f${i}.cpp`])),
      ),
      status: 413,
      error: 'payload_too_large',
      message: 'the upload has more than 5 files (limit 5 for a delivery)',
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    {
      name: 'an archive over the delivery limit',
      send: upload(
        k,
        () => k.api.ids.quick,
        () => k.api.tokens.s1,
        () => form([['archive', Buffer.alloc(LIMITS.maxTotalBytes + 10, 1), 'big.zip']]),
      ),
      status: 413,
      error: 'payload_too_large',
      message: /^archive big\.zip is more than 51200 bytes/,
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    // 415: bodies of the wrong kind
    {
      name: 'text instead of JSON',
      send: () =>
        k.api.call('POST', '/api/batches', {
          token: k.api.tokens.ta,
          headers: { 'content-type': 'text/xml' },
          body: '<batch/>',
        }),
      status: 415,
      error: 'unsupported_media_type',
      message: 'this route does not read text/xml; send application/json',
      audit: { action: 'api.batch.start', actor: 'ta' },
    },
    {
      name: 'JSON instead of a multipart upload',
      send: () =>
        post(k, `/api/collections/${k.api.ids.quick}/deliveries`, k.api.tokens.s1, {
          files: ['x'],
        })(),
      status: 415,
      error: 'unsupported_media_type',
      message: /^send the delivery as multipart\/form-data/,
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
  ];
}
