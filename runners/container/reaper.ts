/**
 * Detached last-resort cleanup: `node reaper.ts <address-json> <id>...`
 * force-removes the given containers. Started by cleanup.ts from a process
 * 'exit' handler, which cannot wait for the engine itself.
 */
import { dockerClient, type EngineAddress } from './engine.ts';

const [addressJson, ...ids] = process.argv.slice(2);
if (addressJson) {
  const docker = dockerClient(JSON.parse(addressJson) as EngineAddress, 10_000);
  await Promise.allSettled(ids.map((id) => docker.getContainer(id).remove({ force: true, v: true })));
}
