// The "Hybrid runs" sidebar: a summary that follows the filters, TTFT percentiles, filters, a page
// of calls as compact two-line rows, and a detail view with personal data masked.
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { applyPalette, getJSON, ICallDetail, ICallRow, IFilter, IPage, ITotals, LOCALITY_CHOICES } from './api';

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

const badge = (kind: string, text: string) => el('span', `jp-HybridRuns-badge jp-HybridRuns-badge-${kind}`, text);

export class HybridRunsPanel extends Widget {
  store = '';
  private filter: IFilter = {};
  private includeReplayed = false;
  private offset = 0;
  private lastKey = '';
  private summary = el('div', 'jp-HybridRuns-summary');
  private ttft = el('div', 'jp-HybridRuns-ttft');
  private targetSelect = el('select', 'jp-HybridRuns-target');
  private localitySelect = el('select', 'jp-HybridRuns-locality');
  private flaggedBox = el('input', 'jp-HybridRuns-flagged');
  private replayedBox = el('input', 'jp-HybridRuns-include-replayed');
  private list = el('div', 'jp-HybridRuns-list');
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
    for (const [value, label] of LOCALITY_CHOICES) {
      this.localitySelect.append(new Option(label, value));
    }
    this.targetSelect.append(new Option('any target', ''));
    const box = (input: HTMLInputElement, text: string) => {
      input.type = 'checkbox';
      const label = el('label', '', text);
      label.prepend(input);
      return label;
    };
    filters.append(
      this.targetSelect,
      this.localitySelect,
      box(this.flaggedBox, ' flagged, off device'),
      box(this.replayedBox, ' include replayed in spend and TTFT')
    );
    for (const input of [this.targetSelect, this.localitySelect, this.flaggedBox, this.replayedBox]) {
      input.addEventListener('change', () => {
        this.filter = {
          target: this.targetSelect.value || undefined,
          locality: this.localitySelect.value || undefined,
          flagged: this.flaggedBox.checked ? true : undefined
        };
        this.includeReplayed = this.replayedBox.checked;
        this.offset = 0;
        void this.loadSummary();
        void this.loadPage(true);
      });
    }
    this.node.append(el('h2', '', 'Hybrid runs'), filters, this.summary, this.ttft, this.list, this.pager, this.detail);
  }

  /** The filters as query arguments (the same for the summary and the page). */
  private query(): Record<string, string> {
    return {
      target: this.filter.target ?? '',
      locality: this.filter.locality ?? '',
      flagged: this.filter.flagged ? 'true' : '',
      store: this.store
    };
  }

  /** Take the whole log's totals (target list, change detection); reload the summary and page if the log changed. */
  async showTotals(totals: ITotals, force = false): Promise<void> {
    applyPalette(totals.palette);
    const current = this.targetSelect.value;
    const names = totals.targets.map(t => t.target).filter((n, i, all) => all.indexOf(n) === i);
    if (names.join('\n') !== Array.from(this.targetSelect.options, o => o.value).slice(1).join('\n')) {
      this.targetSelect.replaceChildren(new Option('any target', ''), ...names.map(n => new Option(n, n)));
      this.targetSelect.value = names.includes(current) ? current : '';
    }
    const key = `${totals.store}|${totals.calls}|${totals.latest}`;
    if (force || key !== this.lastKey) {
      this.lastKey = key;
      await Promise.all([this.loadSummary(), this.loadPage(false)]);
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.onShown();
  }

  private async loadSummary(): Promise<void> {
    try {
      const totals = await getJSON<ITotals>('totals', {
        ...this.query(),
        replayed: this.includeReplayed ? 'include' : ''
      });
      this.renderSummary(totals);
    } catch (error) {
      this.summary.textContent = `Cannot read the run log: ${(error as Error).message}`;
    }
  }

  private renderSummary(totals: ITotals): void {
    const replayed = totals.replayed
      ? ` · ${totals.replayed} replayed (${totals.include_replayed ? 'counted in' : 'left out of'} spend and TTFT)`
      : '';
    this.summary.textContent =
      `${totals.text.calls}, ${totals.text.errors} · edge ${totals.text.edge} · cloud ${totals.text.cloud}` +
      ` · ${totals.flagged_off_device} sent flagged data off the device${replayed}`;
    this.summary.title = `Run log: ${totals.store}`;
    // Two lines a target, so the percentiles fit the sidebar's default width.
    this.ttft.replaceChildren();
    if (totals.ttft.length) {
      this.ttft.append(el('div', 'jp-HybridRuns-label', 'time to first token'));
    }
    for (const row of totals.ttft) {
      const item = el('div', 'jp-HybridRuns-ttft-row');
      item.append(
        el('div', 'jp-HybridRuns-ttft-target', `${row.target} (${row.measured} measured)`),
        el('div', 'jp-HybridRuns-figures', `p50 ${row.text.p50} · p90 ${row.text.p90} · p99 ${row.text.p99}`)
      );
      this.ttft.append(item);
    }
  }

  private async loadPage(resetDetail: boolean): Promise<void> {
    const query = { ...this.query(), limit: String(PAGE), offset: String(this.offset) };
    if (resetDetail) {
      this.detail.replaceChildren();
    }
    try {
      this.renderPage(await getJSON<IPage>('calls', query));
    } catch (error) {
      this.list.replaceChildren();
      this.pager.textContent = `Cannot read the run log: ${(error as Error).message}`;
    }
  }

  private renderPage(page: IPage): void {
    this.list.replaceChildren(...page.calls.map(call => this.renderRow(call)));
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

  /** The badges of a call: where it ran, and what became of its bytes when that is news. */
  private badges(call: ICallRow): HTMLElement[] {
    const out = [badge(call.locality, call.locality_label)];
    if (call.replayed) {
      out.push(badge('replayed', 'replayed'));
    } else if (!call.sent) {
      out.push(badge('unsent', call.egress));
    }
    if (call.flagged_off_device) {
      out.push(badge('flagged', '⚑ flagged off device'));
    }
    if (!call.ok && call.error_type) {
      out.push(badge('failed', call.error_type));
    }
    return out;
  }

  private renderRow(call: ICallRow): HTMLElement {
    const row = el('div', 'jp-HybridRuns-row' + (call.ok ? '' : ' jp-HybridRuns-error'));
    row.dataset.callId = call.call_id;
    row.title = call.text.egress;
    const head = el('div', 'jp-HybridRuns-line');
    // The clock time is the browser's own, in the viewer's time zone; every figure below comes formatted.
    head.append(
      el('span', 'jp-HybridRuns-time', new Date(call.started_at * 1000).toLocaleTimeString()),
      el('span', 'jp-HybridRuns-target-name', call.target),
      ...this.badges(call)
    );
    const figures = el(
      'div',
      'jp-HybridRuns-line jp-HybridRuns-figures',
      `TTFT ${call.text.ttft} · ${call.text.latency} · ${call.text.cost}`
    );
    row.append(head, figures, el('div', 'jp-HybridRuns-preview', call.preview));
    row.addEventListener('click', () => void this.showDetail(call.call_id));
    return row;
  }

  private async showDetail(callId: string, reveal = false): Promise<void> {
    this.detail.replaceChildren(el('div', '', 'Loading…'));
    try {
      const query: Record<string, string> = { store: this.store, reveal: reveal ? 'true' : '' };
      const { call } = await getJSON<{ call: ICallDetail }>(`calls/${callId}`, query);
      const title = el('h3', '', `${call.target} `);
      title.append(...this.badges(call));
      const parts: HTMLElement[] = [title];
      if (call.revealable) {
        const toggle = el('button', 'jp-HybridRuns-button jp-HybridRuns-show', call.masked ? 'show personal data' : 'mask');
        toggle.title = 'This call stayed on the device: its personal data can be shown here.';
        toggle.addEventListener('click', () => void this.showDetail(callId, call.masked));
        parts.push(toggle);
      }
      const facts = el('div', 'jp-HybridRuns-facts');
      for (const [label, text] of call.facts) {
        const fact = el('div', 'jp-HybridRuns-fact');
        fact.append(el('span', 'jp-HybridRuns-fact-label', `${label} `), text);
        facts.append(fact);
      }
      parts.push(facts);
      for (const message of call.prompt) {
        parts.push(el('div', 'jp-HybridRuns-label', message.role), el('pre', 'jp-HybridRuns-message', message.content));
      }
      if (!call.prompt_stored) {
        parts.push(el('div', 'jp-HybridRuns-label', 'prompt not stored (store_prompts off)'));
      }
      parts.push(el('div', 'jp-HybridRuns-label', 'answer'), el('pre', 'jp-HybridRuns-answer', call.response));
      if (call.error_type) {
        parts.push(el('div', 'jp-HybridRuns-label', 'error'), el('pre', '', `${call.error_type}: ${call.error_message}`));
      }
      this.detail.replaceChildren(...parts);
    } catch (error) {
      this.detail.replaceChildren(el('div', '', `Cannot load the call: ${(error as Error).message}`));
    }
  }
}
