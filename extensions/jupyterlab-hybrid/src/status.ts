// Status bar item: calls, spend split edge/cloud, calls that sent flagged data off the device.
import { Widget } from '@lumino/widgets';

import { applyPalette, ITotals } from './api';

export class HybridStatus extends Widget {
  constructor(onClick: () => void) {
    super();
    this.addClass('jp-HybridStatus');
    this.node.title = 'Hybrid Workbench run log: click to open the Hybrid runs panel';
    this.node.textContent = 'Hybrid: …';
    this.node.addEventListener('click', onClick);
  }

  /** Render the server's totals; the figures come formatted and are not recomputed here. */
  showTotals(totals: ITotals | null, error?: string): void {
    this.node.replaceChildren();
    if (error || !totals) {
      this.node.textContent = `Hybrid: ${error ?? 'no run log'}`;
      return;
    }
    applyPalette(totals.palette);
    const part = (name: string, text: string, className = '') => {
      const span = document.createElement('span');
      span.className = `jp-HybridStatus-${name} ${className}`.trim();
      span.textContent = text;
      this.node.appendChild(span);
    };
    part('calls', `Hybrid: ${totals.text.calls}`);
    part('edge', ` · edge ${totals.text.edge}`);
    part('cloud', ` · cloud ${totals.text.cloud}`);
    part(
      'flagged',
      ` · ⚑ ${totals.flagged_off_device} flagged off device`,
      totals.flagged_off_device ? 'jp-HybridStatus-alert' : ''
    );
  }
}
