// Names a delivery may not hold, refused at intake whichever way they come in (loose files as
// the API hands them over, a real multipart upload, zip, tar and tar.gz made by the system's
// own zip and tar), each refusal naming the path and the rule and leaving no delivery row and
// no object behind. Attack kinds, one test each:
//   1. bidirectional controls in a name (`report\u202Efdp.c` shows as `reportc.pdf`)
//   2. zero-width characters
//   3. other invisible characters (soft hyphen, tag characters, fillers, line separators)
//   4. names that are not UTF-8 (raw bytes in zips, tars, folders; U+FFFD from an upload)
//   5. case-fold twins (`Main.cpp` beside `main.cpp`, folders `Src/` and `src/`)
//   6. NFC/NFD twins (`é` precomposed beside `e` + combining acute)
//   7. a path that is both a file and a folder
//   8. folders, empty ones included, counted against max_files
//   9. names that look like options (`-DX.c`, `@args.txt`): legal, stored and listed as given
//  10. a name the disk store reserves for itself: refused, not an internal error
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import fastifyMultipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUpload } from '../src/api/upload.js';
import type { DeliveryLimits } from '../src/extensions/submission/delivery-files.js';
import {
  createSubmissionService,
  type DeliverInput,
  type SubmissionService,
} from '../src/extensions/submission/service.js';
import { makeZip } from './helpers/archives.js';
import {
  STACKS,
  TEST_LIMITS,
  startSubmissionStack,
  type SubmissionStack,
} from './helpers/submission.js';
import { tempDir } from './helpers/temporal.js';

const T0 = new Date('2026-09-01T00:00:00Z');
const T1 = new Date('2026-09-30T23:59:59Z');
const inWindow = new Date('2026-09-15T12:00:00Z');

type Name = string | Buffer;

/** A real folder holding the files and (possibly empty) folders, names given as bytes or text. */
function folderWith(files: Array<[Name, string]>, folders: Name[] = []): string {
  const root = tempDir('zinc-names-');
  const at = (name: Name) => Buffer.concat([Buffer.from(`${root}/`), Buffer.from(name)]);
  for (const folder of folders) mkdirSync(at(folder), { recursive: true });
  for (const [name, content] of files) {
    const path = at(name);
    mkdirSync(path.subarray(0, path.lastIndexOf('/')), { recursive: true });
    writeFileSync(path, content);
  }
  return root;
}

function run(command: string, args: string[], cwd?: string): Buffer {
  const result = spawnSync(command, args, { cwd, maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr.toString()}`);
  return result.stdout;
}

/** The folder as GNU tar archives it (`tar -c -C dir .`): a `./` entry, folders, raw names. */
function systemTar(dir: string, format: 'gnu' | 'pax' = 'gnu', gzip = false): Buffer {
  return run('tar', [
    `--format=${format}`,
    '--sort=name',
    gzip ? '-czf' : '-cf',
    '-',
    '-C',
    dir,
    '.',
  ]);
}

/** The folder as Info-ZIP's zip archives it: folder entries, names stored as raw bytes. */
function systemZip(dir: string): Buffer {
  return run('zip', ['-qr', '-', '.'], dir);
}

/** One multipart/form-data `files` part per file, the file name written as raw bytes. */
function multipart(files: Array<[Name, string]>): { body: Buffer; contentType: string } {
  const boundary = '----zinc-names';
  const parts = files.map(([name, content]) =>
    Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="`),
      Buffer.from(name),
      Buffer.from(`"\r\nContent-Type: application/octet-stream\r\n\r\n${content}\r\n`),
    ]),
  );
  return {
    body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

const files = (...paths: string[]) => paths.map((path) => ({ path, content: Buffer.from(path) }));
const archive = (name: string, content: Buffer) => ({ archive: { name, content } });

describe.each(STACKS)('delivered names on %s', (stackName) => {
  let stack: SubmissionStack;
  let collectionId: string;
  /** The same stack with max_files 5, for counting folders. */
  let small: SubmissionService;
  /** A multipart upload route made of the API's own reader and the service. */
  let app: FastifyInstance;

  beforeAll(async () => {
    stack = await startSubmissionStack(stackName, undefined, () => inWindow);
    const { store } = stack.service;
    const course = await store.ensureCourse({ code: 'COMP2012' });
    const activity = await store.ensureActivity(course.id, 'Lab 4');
    collectionId = (await store.ensureCollection(activity.id, 'main', T0, T1)).id;
    await store.ensureUser({ id: 's1' });
    await store.setMember(course.id, 's1', 'student');
    const limits: DeliveryLimits = { ...TEST_LIMITS, maxFiles: 5 };
    small = createSubmissionService({
      db: stack.db,
      objects: stack.objects,
      limits,
      now: () => inWindow,
    });
    app = Fastify();
    await app.register(fastifyMultipart, { throwFileSizeLimit: true });
    app.post('/upload', async (request, reply) => {
      try {
        const upload = await readUpload(request, TEST_LIMITS);
        const { delivery } = await stack.service.deliver({ collectionId, userId: 's1', ...upload });
        return await reply.code(201).send({ paths: delivery.manifest.map((m) => m.path) });
      } catch (err) {
        const { name, message } = err as Error;
        return await reply.code(400).send({ error: name, message });
      }
    });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await stack?.stop();
  });

  async function everything(): Promise<{ rows: number; objects: string[] }> {
    const { rows } = await stack.db.query<{ n: string }>('SELECT count(*) AS n FROM deliveries');
    return { rows: Number(rows[0]!.n), objects: await stack.objects.list('deliveries/') };
  }

  /** Delivers, expects a DeliveryRejected, checks nothing was stored; the message. */
  async function refusal(
    input: Omit<DeliverInput, 'collectionId' | 'userId'>,
    service: SubmissionService = stack.service,
  ): Promise<string> {
    const before = await everything();
    const err = await service.deliver({ collectionId, userId: 's1', ...input }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.name).toBe('DeliveryRejected');
    expect(await everything()).toEqual(before);
    return err!.message;
  }

  /** Uploads through the multipart route; the refusal message (nothing stored), or throws. */
  async function uploadRefusal(names: Array<[Name, string]>): Promise<string> {
    const before = await everything();
    const { body, contentType } = multipart(names);
    const answer = await app.inject({
      method: 'POST',
      url: '/upload',
      payload: body,
      headers: { 'content-type': contentType },
    });
    const reply = answer.json<{ error: string; message: string }>();
    expect(answer.statusCode).toBe(400);
    expect(reply.error).toBe('DeliveryRejected');
    expect(await everything()).toEqual(before);
    return reply.message;
  }

  it('1. refuses bidirectional controls in file and folder names', async () => {
    const rule =
      'a bidirectional control character, which makes a name display as something it is not';
    expect(await refusal({ files: files('main.cpp', 'report\u202Efdp.c') })).toBe(
      `"report\\u202Efdp.c": the name holds U+202E, ${rule}`,
    );
    expect(await uploadRefusal([['src/a\u2067b.c', 'x']])).toBe(
      `"src/a\\u2067b.c": the name holds U+2067, ${rule}`,
    );
    const zip = systemZip(folderWith([['src\u2066/main.c', 'x']], ['src\u2066']));
    expect(await refusal(archive('hw.zip', zip))).toBe(
      `archive hw.zip: "src\\u2066": the name holds U+2066, ${rule}`,
    );
    const tar = systemTar(
      folderWith([
        ['a\u061Cb.c', 'x'],
        ['c\u200Fd.c', 'y'],
      ]),
      'pax',
      true,
    );
    expect(await refusal(archive('hw.tgz', tar))).toBe(
      `archive hw.tgz: "a\\u061Cb.c": the name holds U+061C, ${rule}`,
    );
    for (const char of ['\u200E', '\u202A', '\u202B', '\u202C', '\u202D', '\u2068', '\u2069']) {
      expect(await refusal({ files: files(`x${char}.c`) })).toMatch(/bidirectional control/);
    }
  });

  it('2. refuses zero-width characters, a leading byte order mark included', async () => {
    const rule = 'a zero-width character, which makes a name look like another';
    expect(await refusal({ files: files('main.cpp', 'main\u200B.cpp') })).toBe(
      `"main\\u200B.cpp": the name holds U+200B, ${rule}`,
    );
    const tar = systemTar(folderWith([['\uFEFFmain.cpp', 'x']]));
    expect(await refusal(archive('hw.tar', tar))).toBe(
      `archive hw.tar: "\\uFEFFmain.cpp": the name holds U+FEFF, ${rule}`,
    );
    expect(await uploadRefusal([['ma\u200Din.c', 'x']])).toMatch(/"ma\\u200Din\.c": .*U\+200D/);
    expect(await refusal({ files: files('in\u200Cclude/a.h') })).toMatch(/U\+200C, a zero-width/);
    expect(await refusal({ files: files('a\u2060b.c') })).toMatch(/U\+2060, a zero-width/);
  });

  it('3. refuses other invisible characters and line separators', async () => {
    const invisible = 'an invisible format character, which makes a name look like another';
    expect(await refusal({ files: files('ma\u00ADin.cpp') })).toBe(
      `"ma\\u00ADin.cpp": the name holds U+00AD, ${invisible}`,
    );
    expect(await refusal({ files: files('main.cpp\u{E0041}') })).toBe(
      `"main.cpp\\u{E0041}": the name holds U+E0041, ${invisible}`,
    );
    expect(await refusal({ files: files('\u3164.c') })).toBe(
      `"\\u3164.c": the name holds U+3164, ${invisible}`,
    );
    expect(await refusal({ files: files('a\u2062b.c', 'c\uFE0F.c') })).toMatch(/U\+2062/);
    expect(await refusal({ files: files('a\u2028b.c') })).toBe(
      '"a\\u2028b.c": the name holds U+2028, a line or paragraph separator',
    );
  });

  it('4. refuses names that are not UTF-8, from zips, tars, folders and uploads', async () => {
    const rule = 'the name is not valid UTF-8';
    const latin1 = Buffer.from('caf\xe9.c', 'latin1');
    const dir = folderWith([
      ['ok.c', 'x'],
      [latin1, 'y'],
    ]);
    expect(await refusal(archive('hw.zip', systemZip(dir)))).toBe(
      `archive hw.zip: "caf\\xE9.c": ${rule}`,
    );
    expect(await refusal(archive('hw.tar', systemTar(dir)))).toBe(
      `archive hw.tar: "./caf\\xE9.c": ${rule}`,
    );
    // pax `path` records are decoded by the reader, so the bytes come as U+FFFD.
    const replaced = `${rule} (it holds U+FFFD, the replacement character, where undecodable bytes were)`;
    expect(await refusal(archive('hw.tgz', systemTar(dir, 'pax', true)))).toBe(
      `archive hw.tgz: "caf\\uFFFD.c": ${replaced}`,
    );
    expect(await uploadRefusal([[latin1, 'x']])).toBe(`"caf\\uFFFD.c": ${replaced}`);
    // A name past 100 bytes goes into a GNU long-name record: read as bytes all the same.
    const long = Buffer.concat([Buffer.from(`${'d'.repeat(120)}/`), latin1]);
    expect(await refusal(archive('long.tar', systemTar(folderWith([[long, 'x']]))))).toBe(
      `archive long.tar: "./${'d'.repeat(120)}/caf\\xE9.c": ${rule}`,
    );
    // An encoded surrogate (CESU-8) and an overlong "/" are not UTF-8 either.
    for (const [bytes, shown] of [
      ['eda080', '\\xED\\xA0\\x80'],
      ['c0af', '\\xC0\\xAF'],
    ] as const) {
      // makeZip writes a same-length placeholder, then the bytes replace it (headers included).
      const placeholder = `a${'Q'.repeat(bytes.length / 2)}.c`;
      const raw = await makeZip([{ name: placeholder, content: 'x' }]);
      for (let at = raw.indexOf(placeholder); at !== -1; at = raw.indexOf(placeholder, at + 1)) {
        Buffer.from(bytes, 'hex').copy(raw, at + 1);
      }
      expect(await refusal(archive('s.zip', raw))).toBe(`archive s.zip: "a${shown}.c": ${rule}`);
    }
  });

  it('5. refuses case-fold twins, files and folders alike', async () => {
    const rule = 'differ only by letter case: they are one file on Windows and macOS';
    expect(await refusal({ files: files('Main.cpp', 'main.cpp') })).toBe(
      `"Main.cpp" and "main.cpp" ${rule}`,
    );
    expect(
      await uploadRefusal([
        ['README.md', 'a'],
        ['readme.MD', 'b'],
      ]),
    ).toBe(`"README.md" and "readme.MD" ${rule}`);
    const tar = systemTar(
      folderWith(
        [
          ['Src/a.c', 'x'],
          ['src/b.c', 'y'],
        ],
        ['Src', 'src'],
      ),
    );
    expect(await refusal(archive('hw.tar', tar))).toBe(`archive hw.tar: "Src" and "src" ${rule}`);
    const zip = systemZip(
      folderWith([
        ['Stra\u00DFe.c', 'x'],
        ['STRASSE.c', 'y'],
      ]),
    );
    expect(await refusal(archive('hw.zip', zip))).toMatch(
      /^archive hw\.zip: "(STRASSE\.c|Stra\\u00DFe\.c)" and "(STRASSE\.c|Stra\\u00DFe\.c)" differ only by letter case/,
    );
  });

  it('6. refuses NFC/NFD twins', async () => {
    const rule =
      'differ only by Unicode normalisation (NFC and NFD forms of the same text): they look the same and are one file on macOS';
    expect(await refusal({ files: files('caf\u00E9.c', 'cafe\u0301.c') })).toBe(
      `"caf\\u00E9.c" and "cafe\\u0301.c" ${rule}`,
    );
    const dir = folderWith(
      [
        ['r\u00E9sum\u00E9/a.c', 'x'],
        ['re\u0301sume\u0301/b.c', 'y'],
      ],
      ['r\u00E9sum\u00E9', 're\u0301sume\u0301'],
    );
    expect(await refusal(archive('cv.zip', systemZip(dir)))).toMatch(
      /^archive cv\.zip: "re\\u0301sume\\u0301" and "r\\u00E9sum\\u00E9" differ only by Unicode normalisation|^archive cv\.zip: "r\\u00E9sum\\u00E9" and "re\\u0301sume\\u0301" differ only by Unicode normalisation/,
    );
    expect(
      await uploadRefusal([
        ['\u212A.c', 'kelvin'],
        ['K.c', 'k'],
      ]),
    ).toBe(`"\\u212A.c" and "K.c" ${rule}`);
  });

  it('7. refuses a path that is both a file and a folder', async () => {
    expect(await refusal({ files: files('data', 'data/x.txt') })).toBe(
      '"data" is both a file and a folder',
    );
    const tar = systemTar(folderWith([['data/x.txt', 'x']], ['data']));
    const withFile = Buffer.concat([
      tar.subarray(0, tar.length - 1024),
      run('tar', ['--format=gnu', '-cf', '-', '-C', folderWith([['data', 'y']]), 'data']),
    ]);
    expect(await refusal(archive('hw.tar', withFile))).toBe(
      'archive hw.tar: "data" is both a file and a folder',
    );
  });

  it('8. counts folders, empty ones included, against max_files', async () => {
    const over = 'has more than 5 files and folders (limit 5; folders count too)';
    // 2 files and 4 empty folders: 6 entries.
    const dir = folderWith(
      [
        ['a.c', 'x'],
        ['b.c', 'y'],
      ],
      ['e1', 'e2', 'e3', 'e4'],
    );
    expect(await refusal(archive('hw.zip', systemZip(dir)), small)).toMatch(
      // Info-ZIP archives in the folder's own order, so any entry may be the sixth.
      new RegExp(
        `^archive hw\\.zip: ${over.replace(/[()]/g, '\\$&')}; refused at ([ab]\\.c|e\\d)$`,
      ),
    );
    expect(await refusal(archive('hw.tar', systemTar(dir)), small)).toBe(
      `archive hw.tar: ${over}; refused at e4`,
    );
    // Loose files: the folders a path implies count too (a, a/b, a/b/c, a/b/c/d + 2 files).
    expect(await refusal({ files: files('top.c', 'a/b/c/d/e.c') }, small)).toBe(
      `${over}; refused at a/b/c/d/e.c`,
    );
    // At the limit it passes; the archive's own "./" entry is not counted.
    const fits = systemTar(
      folderWith(
        [
          ['a/b/c.c', 'x'],
          ['d.c', 'y'],
        ],
        ['e'],
      ),
    );
    const { delivery } = await small.deliver({
      collectionId,
      userId: 's1',
      ...archive('ok.tar', fits),
    });
    expect(delivery.manifest.map((m) => m.path)).toEqual(['a/b/c.c', 'd.c']);
  });

  it('9. stores and lists names that look like options as they are', async () => {
    const names = ['-DX.c', '@args.txt', '--help', '-', 'src/-Wl,-Map=y.c', '@/x.c'];
    const loose = await stack.service.deliver({
      collectionId,
      userId: 's1',
      submittedAt: new Date('2026-09-16T00:00:00Z'),
      files: files(...names),
    });
    const sorted = [...names].sort();
    expect(loose.delivery.manifest.map((m) => m.path)).toEqual(sorted);
    const stored = await stack.service.readDeliveryFiles(loose.delivery);
    expect(stored.map((f) => [f.path, f.content.toString()])).toEqual(sorted.map((n) => [n, n]));
    expect(await stack.objects.list(loose.delivery.objectKey)).toEqual(
      [...sorted.map((n) => loose.delivery.objectKey + n)].sort((a, b) =>
        Buffer.compare(Buffer.from(a), Buffer.from(b)),
      ),
    );

    const tar = systemTar(
      folderWith(
        names.map((n) => [n, n] as [string, string]),
        ['src', '@'],
      ),
    );
    const fromTar = await stack.service.deliver({
      collectionId,
      userId: 's1',
      submittedAt: new Date('2026-09-17T00:00:00Z'),
      ...archive('-rf.tar', tar),
    });
    expect(fromTar.delivery.manifest.map((m) => m.path)).toEqual(sorted);
    expect(fromTar.delivery.sha256).toBe(loose.delivery.sha256);

    const { body, contentType } = multipart(names.map((n) => [n, n]));
    const answer = await app.inject({
      method: 'POST',
      url: '/upload',
      payload: body,
      headers: { 'content-type': contentType },
    });
    expect(answer.statusCode).toBe(201);
    expect(answer.json()).toEqual({ paths: sorted });
  });

  it('10. a name the disk store reserves: refused on disk without an internal error, kept on S3', async () => {
    const input = { files: files('a.c', 'x/.zinc-tmp-0123456789abcdef') };
    if (stackName === 'pglite+disk') {
      expect(await refusal(input)).toBe(
        `"x/.zinc-tmp-0123456789abcdef": zinc's object store reserves this name or cannot hold it`,
      );
    } else {
      const stored = await stack.service.deliver({ collectionId, userId: 's1', ...input });
      expect(stored.inserted).toBe(true);
    }
  });
});
