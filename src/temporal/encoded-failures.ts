// The failure converter of workers that encrypt payloads: failure messages and stack traces move
// into an encoded payload, which the codec encrypts like any other (Temporal leaves them in clear
// otherwise). The worker loads this file by path, and bundles it into the workflow code.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
