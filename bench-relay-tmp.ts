import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from './src/platform/open-database.js';
import { migrateEventsSchema, recordEvent, eventId, countPending } from './src/platform/event-outbox.js';
import { startEventRelay } from './src/platform/event-relay.js';
import { createNatsEventBus } from './src/platform/nats-events.js';
import { startNatsServer } from './test/helpers/nats-server.js';

const nats = await startNatsServer();
const dir = mkdtempSync(join(tmpdir(), 'zinc-relay-'));
const db = await openDatabase({ dataDir: dir, serve: false });
await migrateEventsSchema(db);
const N = 2000;
for (let i = 0; i < N; i++) {
  await db.transaction((tx) => recordEvent(tx, { subject: 'grading.completed', id: eventId('grading.completed', 'b', `d${i}`), data: { batchId: 'b', deliveryId: `d${i}`, score: 1 } }));
}
const bus = createNatsEventBus({ url: nats.url, stream: 'ZINC' });
const t0 = performance.now();
const relay = startEventRelay({ db, bus, intervalMs: 500 });
await relay.flush();
const ms = performance.now() - t0;
console.log(`relayed ${N} events to JetStream in ${ms.toFixed(0)} ms: ${(N / (ms / 1000)).toFixed(0)}/s; pending ${await countPending(db)}`);
await relay.stop(); await bus.close(); await db.close(); await nats.stop();
