// How a worker started with `--core` reaches the core's configuration service: read from the
// environment here, as the loader reads every other variable, so tokens stay off command lines.
export interface CoreConnectionEnv {
  /** ZINC_CORE_ADDRESS: host:port or https://host:port. */
  address?: string;
  /** ZINC_WORKER_TOKEN: a worker token (zinc token create --worker <component>). */
  token?: string;
  /** ZINC_CORE_CA: the PEM file of the CA of the core's certificate. */
  caFile?: string;
}

/** The core connection variables that are set (empty counts as unset). */
export function coreConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): CoreConnectionEnv {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const address = read('ZINC_CORE_ADDRESS');
  const token = read('ZINC_WORKER_TOKEN');
  const caFile = read('ZINC_CORE_CA');
  return {
    ...(address !== undefined ? { address } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(caFile !== undefined ? { caFile } : {}),
  };
}
