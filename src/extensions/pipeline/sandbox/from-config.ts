// The sandbox options of a process, from its `pipeline.sandbox` settings.
import type { PipelineConfig } from '../section.js';
import { detectContainment } from './cgroups.js';
import type { SandboxOptions } from './types.js';

/** Where bubblewrap and the launcher are, and the containment detected for the preference. */
export function sandboxOptionsFrom(config: PipelineConfig): SandboxOptions {
  const { bwrap, launcher, containment, uid } = config.sandbox;
  return {
    sandboxUid: uid,
    ...(bwrap !== undefined ? { bwrapPath: bwrap } : {}),
    ...(launcher !== undefined ? { launcherPath: launcher } : {}),
    containment: detectContainment(containment),
  };
}
