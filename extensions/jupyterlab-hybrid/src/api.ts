// The server's read-only run-log endpoints (workbench/server/handlers.py). Figures come formatted:
// the server writes every figure with workbench/ui/format.py, and sends the palette of
// workbench/ui/style.json, so this front end formats no number and holds no colour of its own.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export type Locality = 'device' | 'private_network' | 'cloud';

/** A call's figures as text, written by the server ('-' for a figure a call does not have). */
export interface IFigures {
  ttft: string;
  latency: string;
  tokens_per_s: string;
  tokens: string;
  cost: string;
  egress: string;
}

export interface ICallRow {
  call_id: string;
  run_id: string;
  target: string;
  model: string;
  locality: Locality;
  locality_label: string;
  started_at: number;
  egress: string;
  sent: boolean;
  replayed: boolean;
  timed: boolean;
  ok: boolean;
  error_type: string | null;
  ttft_s: number | null;
  latency_s: number | null;
  cost_usd: number | null;
  entities: Record<string, number>;
  privacy_action: string | null;
  flagged_off_device: boolean;
  text: IFigures;
  preview: string;
}

export interface ICallDetail extends ICallRow {
  prompt: { role: string; content: string }[];
  prompt_stored: boolean;
  response: string;
  error_message: string | null;
  facts: [string, string][];
  revealable: boolean;
  masked: boolean;
}

export interface IPage {
  store: string;
  exists: boolean;
  total: number;
  limit: number;
  offset: number;
  calls: ICallRow[];
}

export interface IPalette {
  locality: Record<string, string>;
  state: Record<string, string>;
}

export interface ITotals {
  store: string;
  exists: boolean;
  calls: number;
  replayed: number;
  unsent: number;
  counted: number;
  include_replayed: boolean;
  errors: number;
  flagged_off_device: number;
  latest: number | null;
  text: { edge: string; cloud: string; calls: string; errors: string };
  targets: { target: string; locality: Locality; calls: number }[];
  ttft: { target: string; measured: number; text: { p50: string; p90: string; p99: string } }[];
  palette: IPalette;
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

/** The server's palette as CSS variables on the page (--jp-hybrid-device, --jp-hybrid-flagged, ...). */
export function applyPalette(palette: IPalette): void {
  const style = document.body.style;
  for (const group of [palette.locality, palette.state]) {
    for (const [name, colour] of Object.entries(group)) {
      style.setProperty(`--jp-hybrid-${name}`, colour);
    }
  }
}

/** The locality filter's choices (the server's Locality values and labels). */
export const LOCALITY_CHOICES: [Locality, string][] = [
  ['device', 'on device'],
  ['private_network', 'private network'],
  ['cloud', 'cloud']
];
