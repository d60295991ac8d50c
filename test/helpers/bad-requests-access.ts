// Bad requests to zinc's HTTP API, the cases about upload contents, access and unknown or ended things: what each sends, and the status, error,
// message (and bad fields) it must get. test/api-errors.test.ts runs them.
import { makeZip } from './archives.js';
import { PROGRAMS } from './api.js';
import {
  form,
  get,
  post,
  upload,
  type BadRequest,
  type BadRequestContext,
} from './bad-requests.js';

/** 400 uploads the service refuses, 403, 404 and 409. */
export function accessCases(k: BadRequestContext): BadRequest[] {
  return [
    // 400: uploads the submission service refuses
    {
      name: 'a file name that climbs out of the delivery',
      send: upload(
        k,
        () => k.api.ids.quick,
        () => k.api.tokens.s1,
        () => form([['files', PROGRAMS.correct, '../../evil.cpp']]),
      ),
      status: 400,
      error: 'delivery_rejected',
      message: /^unsafe relative path "\.\.\/\.\.\/evil\.cpp"/,
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    {
      name: 'the same path twice',
      send: upload(
        k,
        () => k.api.ids.quick,
        () => k.api.tokens.s1,
        () =>
          form([
            ['files', 'a', 'main.cpp'],
            ['files', 'b', 'main.cpp'],
          ]),
      ),
      status: 400,
      error: 'delivery_rejected',
      message: 'main.cpp appears twice',
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    {
      name: 'files and an archive together',
      send: upload(
        k,
        () => k.api.ids.quick,
        () => k.api.tokens.s1,
        () =>
          form([
            ['files', PROGRAMS.correct, 'main.cpp'],
            ['archive', 'PK', 'x.zip'],
          ]),
      ),
      status: 400,
      error: 'bad_request',
      message: 'send either files parts or one archive part, not both',
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    {
      name: 'a form field instead of files',
      send: upload(
        k,
        () => k.api.ids.quick,
        () => k.api.tokens.s1,
        () => form([['note', 'please grade']]),
      ),
      status: 400,
      error: 'bad_request',
      message: 'unexpected form field note; send files or archive parts',
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    {
      name: 'an archive that is not one',
      send: upload(
        k,
        () => k.api.ids.quick,
        () => k.api.tokens.s1,
        () => form([['archive', 'just text', 'hand-in.zip']]),
      ),
      status: 400,
      error: 'delivery_rejected',
      message: 'archive hand-in.zip: not a zip, tar or tar.gz archive',
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    {
      name: 'an archive bomb',
      send: async () => {
        const bomb = await makeZip([{ name: 'main.cpp', content: Buffer.alloc(19 * 1024, 0) }]);
        return upload(
          k,
          () => k.api.ids.quick,
          () => k.api.tokens.s1,
          () => form([['archive', bomb, 'bomb.zip']]),
        )();
      },
      status: 400,
      error: 'delivery_rejected',
      message: /^archive bomb\.zip: unpacks to more than 100 times its size/,
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    {
      name: 'a multipart body cut short',
      send: () =>
        k.api.call('POST', `/api/collections/${k.api.ids.quick}/deliveries`, {
          token: k.api.tokens.s1,
          headers: { 'content-type': 'multipart/form-data; boundary=zinc' },
          body: '--zinc\r\nContent-Disposition: form-data; name="files"; filename="main.cpp"\r\n\r\nint main',
        }),
      status: 400,
      error: 'bad_request',
      message: /^the multipart\/form-data body is malformed: /,
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    // 403: known users asking for what is not theirs
    {
      name: 'a student starting a batch',
      send: () => post(k, '/api/batches', k.api.tokens.s1, { collectionId: k.api.ids.quick })(),
      status: 403,
      error: 'forbidden',
      message: 's1 is not staff of course COMP2011, so may not start batches of its collections',
      audit: { action: 'api.batch.start', actor: 's1' },
    },
    {
      name: "staff of another course starting a batch on this course's collection",
      send: () => post(k, '/api/batches', k.api.tokens.tb, { collectionId: k.api.ids.quick })(),
      status: 403,
      error: 'forbidden',
      message: 'tb is not a member of course COMP2011, so may not start batches of its collections',
      audit: { action: 'api.batch.start', actor: 'tb' },
    },
    {
      name: "staff of this course starting a batch with another course's config",
      send: () =>
        post(k, '/api/batches', k.api.tokens.ta, {
          collectionId: k.api.ids.quick,
          configVersion: k.api.ids.otherConfig,
        })(),
      status: 403,
      error: 'forbidden',
      message: () =>
        `grading config ${k.api.ids.otherConfig} is not attached to collection ${k.api.ids.quick}; a batch may use only its collection's configs (zinc config add <config.yaml> --collection ${k.api.ids.quick} attaches one)`,
      audit: { action: 'api.batch.start', actor: 'ta' },
    },
    {
      name: "staff of another course reading this course's batch",
      send: () => get(k, `/api/batches/${k.batchId}`, k.api.tokens.tb)(),
      status: 403,
      error: 'forbidden',
      message: 'tb is not a member of course COMP2011, so may not read batches of its collections',
    },
    {
      name: "staff of another course cancelling this course's batch",
      send: () => post(k, `/api/batches/${k.batchId}/cancel`, k.api.tokens.tb, {})(),
      status: 403,
      error: 'forbidden',
      message:
        'tb is not a member of course COMP2011, so may not pause, resume, cancel or terminate batches of its collections',
      audit: { action: 'api.batch.cancel', actor: 'tb' },
    },
    {
      name: 'a student reading batch results',
      send: () => get(k, `/api/batches/${k.batchId}/results`, k.api.tokens.s1)(),
      status: 403,
      error: 'forbidden',
      message: 's1 is not staff of course COMP2011, so may not read batches of its collections',
    },
    {
      name: 'a student uploading to a closed collection',
      send: upload(
        k,
        () => k.api.ids.closed,
        () => k.api.tokens.s1,
        () => form([['files', PROGRAMS.correct, 'main.cpp']]),
      ),
      status: 403,
      error: 'forbidden',
      message:
        'collection closed of course COMP2011 is open from 2020-01-01T00:00:00.000Z to 2020-02-01T00:00:00.000Z; students may upload only while it is open',
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    {
      name: "a student uploading to another course's collection",
      send: upload(
        k,
        () => k.api.ids.quick,
        () => k.api.tokens.x1,
        () => form([['files', PROGRAMS.correct, 'main.cpp']]),
      ),
      status: 403,
      error: 'forbidden',
      message:
        'x1 is not a member of course COMP2011, so may not upload deliveries to its collections',
      audit: { action: 'api.delivery.create', actor: 'x1' },
    },
    {
      name: "a student of another course reading a student's report",
      send: () => get(k, `/api/reports/${k.batchId}/${k.s1Delivery}`, k.api.tokens.x1)(),
      status: 403,
      error: 'forbidden',
      message: "x1 is not a member of course COMP2011, so may not read its deliveries' reports",
    },
    {
      name: 'a student reading the audit log',
      send: () => get(k, '/api/audit', k.api.tokens.s1)(),
      status: 403,
      error: 'forbidden',
      message: 's1 is not staff of any course, so may not read the audit log',
    },
    {
      name: 'a user of no course listing batches',
      send: () => get(k, '/api/batches', k.api.tokens.nobody)(),
      status: 403,
      error: 'forbidden',
      message: 'nobody is not staff of any course, so may not list batches',
    },
    // 404: unknown IDs and routes
    {
      name: 'an unknown collection',
      send: () => post(k, '/api/batches', k.api.tokens.ta, { collectionId: 'col_nowhere' })(),
      status: 404,
      error: 'not_found',
      message: 'collection col_nowhere does not exist',
      audit: { action: 'api.batch.start', actor: 'ta' },
    },
    {
      name: 'an unknown config version',
      send: () =>
        post(k, '/api/batches', k.api.tokens.ta, {
          collectionId: k.api.ids.quick,
          configVersion: 'cfg_0000000000000000',
        })(),
      status: 404,
      error: 'not_found',
      message: 'grading config cfg_0000000000000000 does not exist',
      audit: { action: 'api.batch.start', actor: 'ta' },
    },
    {
      name: 'an unknown batch',
      send: () => get(k, '/api/batches/batch-col_nowhere-default-1', k.api.tokens.ta)(),
      status: 404,
      error: 'not_found',
      message: 'batch batch-col_nowhere-default-1 does not exist',
    },
    {
      name: 'cancelling an unknown batch',
      send: () => post(k, '/api/batches/batch-col_nowhere-default-1/cancel', k.api.tokens.ta, {})(),
      status: 404,
      error: 'not_found',
      message: 'batch batch-col_nowhere-default-1 does not exist',
      audit: { action: 'api.batch.cancel', actor: 'ta' },
    },
    {
      name: 'an unknown delivery in a report path',
      send: () => get(k, `/api/reports/${k.batchId}/dlv_nowhere`, k.api.tokens.ta)(),
      status: 404,
      error: 'not_found',
      message: 'delivery dlv_nowhere does not exist',
    },
    {
      name: 'a delivery the batch did not grade',
      send: () => get(k, `/api/reports/batch-elsewhere-1/${k.s1Delivery}`, k.api.tokens.ta)(),
      status: 404,
      error: 'not_found',
      message: () => `batch batch-elsewhere-1 has no report of delivery ${k.s1Delivery}`,
    },
    {
      name: 'uploading to an unknown collection',
      send: upload(
        k,
        () => 'col_nowhere',
        () => k.api.tokens.s1,
        () => form([['files', PROGRAMS.correct, 'main.cpp']]),
      ),
      status: 404,
      error: 'not_found',
      message: 'collection col_nowhere does not exist',
      audit: { action: 'api.delivery.create', actor: 's1' },
    },
    {
      name: 'an unknown route',
      send: () => k.api.call('DELETE', `/api/batches/${k.batchId}`, { token: k.api.tokens.ta }),
      status: 404,
      error: 'not_found',
      message: /^no route DELETE \/api\/batches\/batch-/,
    },
    // 409: requests that conflict with the state of things
    {
      name: 'cancelling a batch that has ended',
      send: () =>
        post(k, `/api/batches/${k.batchId}/cancel`, k.api.tokens.ta, { reason: 'late' })(),
      status: 409,
      error: 'conflict',
      message: () => `batch ${k.batchId} has already ended`,
      audit: { action: 'api.batch.cancel', actor: 'ta' },
    },
    {
      name: 'grading a collection with no grading config',
      send: () => post(k, '/api/batches', k.api.tokens.ta, { collectionId: k.api.ids.bare })(),
      status: 409,
      error: 'conflict',
      message: /^collection col_\w+ has no grading config yet; add one with zinc config add$/,
      audit: { action: 'api.batch.start', actor: 'ta' },
    },
  ];
}
