// Reading an upload: multipart/form-data with `files` parts (each file's name is its path in
// the delivery) or one `archive` part (zip, tar or tar.gz). Sizes are counted while the bytes
// arrive, so an oversized upload is refused (413) before it is held in memory.
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../failures.js';
import type { FastifyRequest } from 'fastify';
import type { DeliveryFile, DeliveryLimits } from '../extensions/submission/index.js';

export interface Upload {
  files?: DeliveryFile[];
  archive?: { name: string; content: Buffer };
}

const MiB = 1024 * 1024;
const describeBytes = (n: number): string =>
  n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${n} bytes`;

/** Reads a stream into memory, refusing it as soon as it passes `limit` bytes. */
async function readLimited(
  stream: AsyncIterable<Buffer>,
  limit: number,
  tooLarge: (bytesSoFar: number) => Error,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw tooLarge(size);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Turns busboy's limit and format errors into zinc's, naming the limit. */
function uploadError(err: unknown, limits: DeliveryLimits): unknown {
  const code = (err as { code?: string }).code;
  switch (code) {
    case 'FST_FILES_LIMIT':
      return new PayloadTooLargeError(
        `the upload has more than ${limits.maxFiles} files (limit ${limits.maxFiles} for a delivery)`,
      );
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new PayloadTooLargeError(
        `the upload has too many parts (at most ${limits.maxFiles} files and no other fields)`,
      );
    case 'FST_REQ_FILE_TOO_LARGE':
      return new PayloadTooLargeError(
        `a file of the upload is over the limit of ${describeBytes(limits.maxTotalBytes)} for a delivery`,
      );
    default:
      if (err instanceof Error && !['BadRequest', 'PayloadTooLarge'].includes(err.name)) {
        return new BadRequestError(`the multipart/form-data body is malformed: ${err.message}`);
      }
      return err;
  }
}

/**
 * The files or the archive of a multipart upload, each checked against the delivery limits as
 * it arrives: 413 for too many or too large, 400 for a malformed body or unknown parts, 415
 * when the body is not multipart at all. The paths themselves are checked by the service.
 */
export async function readUpload(request: FastifyRequest, limits: DeliveryLimits): Promise<Upload> {
  if (!request.isMultipart()) {
    throw new UnsupportedMediaTypeError(
      `send the delivery as multipart/form-data (files parts, or one archive part), not ${request.headers['content-type'] ?? 'a body without a Content-Type'}`,
    );
  }
  const files: DeliveryFile[] = [];
  let archive: Upload['archive'];
  let total = 0;
  try {
    const parts = request.parts({
      preservePath: true,
      limits: {
        files: limits.maxFiles,
        fields: 10,
        fieldSize: 1024,
        parts: limits.maxFiles + 1,
        fileSize: limits.maxTotalBytes + 1,
        fieldNameSize: 100,
        headerPairs: 100,
      },
    });
    for await (const part of parts) {
      if (part.type !== 'file') {
        throw new BadRequestError(
          `unexpected form field ${part.fieldname}; send files or archive parts`,
          [{ path: `body.${part.fieldname}`, message: 'not a file part (files and archive only)' }],
        );
      }
      const name = part.filename;
      if (part.fieldname !== 'files' && part.fieldname !== 'archive') {
        throw new BadRequestError(
          `unexpected part ${part.fieldname}; send files or archive parts`,
          [{ path: `body.${part.fieldname}`, message: 'unknown part (files and archive only)' }],
        );
      }
      const isArchive = part.fieldname === 'archive';
      if (isArchive && (archive || files.length > 0)) {
        throw new BadRequestError('send either files parts or one archive part, not both', [
          { path: 'body.archive', message: 'only one archive, and no files beside it' },
        ]);
      }
      if (!isArchive && archive) {
        throw new BadRequestError('send either files parts or one archive part, not both', [
          { path: 'body.files', message: 'no files beside an archive' },
        ]);
      }
      const perPart = isArchive ? limits.maxTotalBytes : limits.maxFileBytes;
      const content = await readLimited(
        part.file,
        Math.min(perPart, limits.maxTotalBytes - total),
        (n) =>
          n > perPart
            ? new PayloadTooLargeError(
                `${isArchive ? 'archive ' : ''}${name} is more than ${describeBytes(perPart)}, over the limit of ${describeBytes(perPart)} for ${isArchive ? 'an archive' : 'one file'}`,
              )
            : new PayloadTooLargeError(
                `the files add up to more than ${describeBytes(limits.maxTotalBytes)} (limit for a delivery); refused at ${name}`,
              ),
      );
      total += content.length;
      if (isArchive) archive = { name, content };
      else files.push({ path: name, content });
    }
  } catch (err) {
    throw uploadError(err, limits);
  }
  if (!archive && files.length === 0) {
    throw new BadRequestError('the upload holds no files: send files parts or one archive part', [
      { path: 'body.files', message: 'at least one file, or an archive' },
    ]);
  }
  return archive ? { archive } : { files };
}
