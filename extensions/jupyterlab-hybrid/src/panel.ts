// The "Hybrid runs" sidebar: totals, filters, a page of calls with locality badges, and a detail view.
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { getJSON, ICallRow, IFilter, IPage, ITotals, LOCALITY_LABEL, Locality, spendText, usd } from './api';

const PAGE = 50;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text) {
    node.textContent = text;
  }
  return node;
}

const seconds = (value: number | null) => (value === null ? '–' : `${(value * 1000).toFixed(0)} ms`);

export class HybridRunsPanel extends Widget {
  store = '';
  private filter: IFilter = {};
  private offset = 0;
  private lastKey = '';
  private summary = el('div', 'jp-HybridRuns-summary');
  private ttft = el('table', 'jp-HybridRuns-ttft');
  private targetSelect = el('select', 'jp-HybridRuns-target');
  private localitySelect = el('select', 'jp-HybridRuns-locality');
  private flaggedBox = el('input', 'jp-HybridRuns-flagged');
  private body = el('tbody');
  private pager = el('div', 'jp-HybridRuns-pager');
  private detail = el('div', 'jp-HybridRuns-detail');

  /** Called each time the panel is shown. */
  onShown: () => void = () => undefined;

  constructor() {
    super();
    this.id = 'hybrid-runs';
    this.addClass('jp-HybridRuns');
    this.title.caption = 'Hybrid runs';
    this.title.label = 'Hybrid runs';
    const filters = el('div', 'jp-HybridRuns-filters');
    this.localitySelect.append(new Option('any locality', ''));
    for (const [value, label] of Object.entries(LOCALITY_LABEL)) {
      this.localitySelect.append(new Option(label, value));
    }
    this.targetSelect.append(new Option('any target', ''));
    this.flaggedBox.type = 'checkbox';
    const flaggedLabel = el('label', '', ' flagged, off device');
    flaggedLabel.prepend(this.flaggedBox);
    filters.append(this.targetSelect, this.localitySelect, flaggedLabel);
    for (const input of [this.targetSelect, this.localitySelect, this.flaggedBox]) {
      input.addEventListener('change', () => {
        this.filter = {
          target: this.targetSelect.value || undefined,
          locality: this.localitySelect.value || undefined,
          flagged: this.flaggedBox.checked ? true : undefined
        };
        this.offset = 0;
        void this.loadPage(true);
      });
    }
    const table = el('table', 'jp-HybridRuns-table');
    const head = el('tr');
    for (const name of ['time', 'target', 'where', 'TTFT', 'latency', 'tokens', 'cost', 'privacy', 'prompt']) {
      head.append(el('th', '', name));
    }
    table.append(el('thead'), this.body);
    table.tHead!.append(head);
    const scroller = el('div', 'jp-HybridRuns-scroll');
    scroller.append(table);
    this.node.append(el('h2', '', 'Hybrid runs'), this.summary, this.ttft, filters, scroller, this.pager, this.detail);
  }

  /** Show the server's totals, and reload the page of calls if the log changed. */
  async showTotals(totals: ITotals, force = false): Promise<void> {
    this.summary.textContent =
      `${totals.calls} calls, ${totals.errors} errors · edge ${spendText(totals.spend.edge)}` +
      ` · cloud ${spendText(totals.spend.cloud)} · ${totals.flagged_off_device} sent flagged data off the device`;
    this.summary.title = `Run log: ${totals.store}`;
    this.renderTtft(totals);
    const current = this.targetSelect.value;
    const names = totals.targets.map(t => t.target);
    if (names.join('\n') !== Array.from(this.targetSelect.options, o => o.value).slice(1).join('\n')) {
      this.targetSelect.replaceChildren(new Option('any target', ''), ...names.map(n => new Option(n, n)));
      this.targetSelect.value = names.includes(current) ? current : '';
    }
    const key = `${totals.store}|${totals.calls}|${totals.latest}`;
    if (force || key !== this.lastKey) {
      this.lastKey = key;
      await this.loadPage(false);
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.onShown();
  }

  private renderTtft(totals: ITotals): void {
    this.ttft.replaceChildren();
    if (!totals.ttft.length) {
      return;
    }
    const head = el('tr');
    for (const name of ['TTFT by target', 'p50', 'p90', 'p99', 'n']) {
      head.append(el('th', '', name));
    }
    this.ttft.append(head);
    for (const row of totals.ttft) {
      const tr = el('tr');
      tr.append(
        el('td', '', row.target),
        el('td', '', seconds(row.p50)),
        el('td', '', seconds(row.p90)),
        el('td', '', seconds(row.p99)),
        el('td', '', String(row.measured))
      );
      this.ttft.append(tr);
    }
  }

  private async loadPage(resetDetail: boolean): Promise<void> {
    const query: Record<string, string> = {
      limit: String(PAGE),
      offset: String(this.offset),
      target: this.filter.target ?? '',
      locality: this.filter.locality ?? '',
      flagged: this.filter.flagged ? 'true' : '',
      store: this.store
    };
    if (resetDetail) {
      this.detail.replaceChildren();
    }
    try {
      this.renderPage(await getJSON<IPage>('calls', query));
    } catch (error) {
      this.body.replaceChildren();
      this.pager.textContent = `Cannot read the run log: ${(error as Error).message}`;
    }
  }

  private renderPage(page: IPage): void {
    this.body.replaceChildren(...page.calls.map(call => this.renderRow(call)));
    this.pager.replaceChildren();
    const last = Math.min(page.offset + page.calls.length, page.total);
    const info = page.total ? `${page.offset + 1}–${last} of ${page.total}` : page.exists ? 'no calls match' : 'no run log yet';
    const button = (text: string, enabled: boolean, offset: number) => {
      const b = el('button', 'jp-HybridRuns-button', text);
      b.disabled = !enabled;
      b.addEventListener('click', () => {
        this.offset = offset;
        void this.loadPage(true);
      });
      return b;
    };
    this.pager.append(
      button('‹ newer', page.offset > 0, Math.max(0, page.offset - PAGE)),
      el('span', 'jp-HybridRuns-count', info),
      button('older ›', last < page.total, page.offset + PAGE)
    );
  }

  private renderRow(call: ICallRow): HTMLTableRowElement {
    const tr = el('tr', call.ok ? '' : 'jp-HybridRuns-error');
    tr.dataset.callId = call.call_id;
    const badge = el('span', `jp-HybridRuns-badge jp-HybridRuns-badge-${call.locality}`);
    badge.textContent = LOCALITY_LABEL[call.locality as Locality] ?? call.locality;
    const entities = Object.values(call.entities).reduce((a, b) => a + b, 0);
    const privacy = call.left_device
      ? `⚑ ${entities} left device`
      : entities
        ? `${entities} found (${call.privacy_action})`
        : '';
    const tokens =
      call.output_tokens === null ? '–' : `${call.input_tokens ?? '?'}→${call.output_tokens}${call.tokens_estimated ? '~' : ''}`;
    const cells: (string | HTMLElement)[] = [
      new Date(call.started_at * 1000).toLocaleTimeString(),
      call.target,
      badge,
      seconds(call.ttft_s),
      seconds(call.latency_s),
      tokens,
      usd(call.cost_usd),
      privacy,
      call.ok ? call.preview : `${call.error_type}: ${call.preview}`
    ];
    for (const cell of cells) {
      const td = el('td');
      td.append(cell);
      tr.append(td);
    }
    tr.addEventListener('click', () => void this.showDetail(call.call_id));
    return tr;
  }

  private async showDetail(callId: string): Promise<void> {
    this.detail.replaceChildren(el('div', '', 'Loading…'));
    try {
      const { call } = await getJSON<{ call: Record<string, any> }>(`calls/${callId}`, { store: this.store });
      const parts: HTMLElement[] = [el('h3', '', `${call.target} · ${LOCALITY_LABEL[call.locality as Locality]}`)];
      for (const message of call.prompt ?? []) {
        parts.push(el('div', 'jp-HybridRuns-label', message.role), el('pre', '', message.content));
      }
      parts.push(el('div', 'jp-HybridRuns-label', 'answer'), el('pre', 'jp-HybridRuns-answer', call.response));
      if (call.error_type) {
        parts.push(el('div', 'jp-HybridRuns-label', 'error'), el('pre', '', `${call.error_type}: ${call.error_message}`));
      }
      const facts = {
        cost: `${usd(call.cost_usd)} (${call.cost_basis})`,
        params: call.params,
        privacy: call.privacy,
        engine: call.engine_metrics,
        attempts: call.attempts,
        run: call.run_id
      };
      parts.push(el('div', 'jp-HybridRuns-label', 'details'), el('pre', '', JSON.stringify(facts, null, 1)));
      this.detail.replaceChildren(...parts);
    } catch (error) {
      this.detail.replaceChildren(el('div', '', `Cannot load the call: ${(error as Error).message}`));
    }
  }
}
