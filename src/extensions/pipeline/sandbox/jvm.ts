// Java under RLIMIT_AS: a JVM reserves gigabytes of address space it never touches (heap sized
// from the host's RAM, 1 GiB of class space, 240 MiB of code cache), so it cannot start under an
// address-space limit equal to the memory it may use. These flags size those reservations.

/** Address space a JVM reserves beyond its heap with jvmSandboxFlags (measured: 256 MiB heap
 * runs in 768 MiB). */
const JVM_RESERVE_BYTES = 512 * 1024 * 1024;

/** JVM flags and the RLIMIT_AS for a Java run whose heap may grow to `heapBytes`. */
export function jvmSandboxLimits(heapBytes: number): {
  flags: string[];
  addressSpaceBytes: number;
} {
  const heapMiB = Math.max(16, Math.floor(heapBytes / (1024 * 1024)));
  return {
    flags: [
      `-Xmx${heapMiB}m`,
      '-XX:CompressedClassSpaceSize=64m',
      '-XX:ReservedCodeCacheSize=64m',
      '-XX:MaxMetaspaceSize=128m',
      // One GC thread and one compiler thread or so: a JVM's threads count against maxProcesses.
      '-XX:+UseSerialGC',
      '-XX:ActiveProcessorCount=1',
    ],
    addressSpaceBytes: heapMiB * 1024 * 1024 + JVM_RESERVE_BYTES,
  };
}

/** The same flags for javac, which passes -J flags to its own JVM. */
export function javacSandboxFlags(heapBytes: number): string[] {
  return jvmSandboxLimits(heapBytes).flags.map((flag) => `-J${flag}`);
}

/**
 * The environment every sandboxed JVM needs: glibc gives each thread that mallocs its own arena,
 * reserving 64 MiB of address space apiece, and under the address-space limit a JVM's compiler
 * threads then fail at random ("insufficient memory for the Java Runtime Environment", about 1
 * javac in 6). Two arenas made 30 javac runs in a row succeed.
 */
export const JVM_SANDBOX_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
