// The server's read-only run-log endpoints (workbench/server/handlers.py). Figures come computed.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export type Locality = 'device' | 'private_network' | 'cloud';

export interface ICallRow {
  call_id: string;
  run_id: string;
  target: string;
  model: string;
  locality: Locality;
  started_at: number;
  ttft_s: number | null;
  latency_s: number;
  input_tokens: number | null;
  output_tokens: number | null;
  tokens_estimated: boolean;
  decode_tps: number | null;
  cost_usd: number | null;
  cost_basis: string;
  ok: boolean;
  error_type: string | null;
  replayed: boolean;
  entities: Record<string, number>;
  privacy_action: string | null;
  left_device: boolean;
  preview: string;
}

export interface IPage {
  store: string;
  exists: boolean;
  total: number;
  limit: number;
  offset: number;
  calls: ICallRow[];
}

export interface ISpend {
  usd: number;
  unknown: number;
  calls: number;
}

export interface ITotals {
  store: string;
  exists: boolean;
  calls: number;
  errors: number;
  flagged_off_device: number;
  latest: number | null;
  cost: Record<Locality, ISpend>;
  spend: { edge: ISpend; cloud: ISpend };
  targets: { target: string; locality: Locality; calls: number }[];
  ttft: { target: string; measured: number; p50: number; p90: number; p99: number }[];
}

export interface IFilter {
  target?: string;
  locality?: string;
  flagged?: boolean;
}

/** GET one of the /hybrid/api endpoints; throws with the server's message on an error status. */
export async function getJSON<T>(path: string, query: Record<string, string> = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== ''));
  const qs = params.toString();
  const url = URLExt.join(settings.baseUrl, 'hybrid/api', path) + (qs ? `?${qs}` : '');
  const response = await ServerConnection.makeRequest(url, {}, settings);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.message || `${response.status} ${response.statusText}`);
  }
  return body as T;
}

/** Dollars as text: unknown costs are shown as unknown, never as free. */
export function usd(value: number | null): string {
  if (value === null) {
    return 'unknown';
  }
  return value < 0.01 && value > 0 ? `$${value.toFixed(5)}` : `$${value.toFixed(4)}`;
}

/** A spend total, with a note when some calls' cost is unknown. */
export function spendText(spend: ISpend): string {
  return usd(spend.usd) + (spend.unknown ? ` (+${spend.unknown} unknown)` : '');
}

export const LOCALITY_LABEL: Record<Locality, string> = {
  device: 'on device',
  private_network: 'private network',
  cloud: 'cloud'
};
