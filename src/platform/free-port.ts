// A free TCP port on the loopback interface, for an internal server that must be given a fixed
// address before it binds (the Temporal SDK's own metrics exporter cannot report a port 0).
import { createServer } from 'node:net';

/** `127.0.0.1:<port>` with a port free at the time of the call. */
export function freeLoopbackAddress(): Promise<string> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(`127.0.0.1:${port}`));
    });
  });
}
