// Hybrid Workbench for JupyterLab: the "Hybrid runs" sidebar, a status bar item, a palette command.
import { ILabShell, ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { LabIcon } from '@jupyterlab/ui-components';

import { getJSON, ITotals } from './api';
import { HybridRunsPanel } from './panel';
import { HybridStatus } from './status';

const PLUGIN_ID = 'jupyterlab-hybrid:plugin';
const OPEN = 'hybrid:open-runs';
const BUSY_INTERVAL_MS = 1000;

const icon = new LabIcon({
  name: 'jupyterlab-hybrid:runs',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
    '<rect x="2" y="4" width="8" height="16" rx="1"/><path d="M13 6h9v3h-9zM13 11h9v3h-9zM13 16h9v3h-9z"/></g></svg>'
});

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'A run-log sidebar and a live spend/privacy status bar for Hybrid Workbench.',
  autoStart: true,
  requires: [ILabShell],
  optional: [ICommandPalette, IStatusBar, ISettingRegistry, INotebookTracker, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    shell: ILabShell,
    palette: ICommandPalette | null,
    statusBar: IStatusBar | null,
    registry: ISettingRegistry | null,
    notebooks: INotebookTracker | null,
    restorer: ILayoutRestorer | null
  ) => {
    const panel = new HybridRunsPanel();
    panel.title.icon = icon;
    shell.add(panel, 'left', { rank: 900 });
    restorer?.add(panel, 'hybrid-runs');

    let intervalMs = 5000;
    let busy = 0;
    let timer = 0;
    let inFlight = false;

    const refresh = async (force = false): Promise<void> => {
      if (inFlight) {
        return;
      }
      inFlight = true;
      try {
        const totals = await getJSON<ITotals>('totals', { store: panel.store });
        status?.showTotals(totals);
        if (panel.isVisible || force) {
          await panel.showTotals(totals, force);
        }
      } catch (error) {
        status?.showTotals(null, (error as Error).message);
      } finally {
        inFlight = false;
      }
    };
    // Poll every refresh interval, and every second while a notebook's kernel is busy.
    const schedule = () => {
      window.clearTimeout(timer);
      const delay = busy > 0 ? Math.min(BUSY_INTERVAL_MS, intervalMs) : intervalMs;
      if (delay > 0) {
        timer = window.setTimeout(() => void refresh().then(schedule), delay);
      }
    };

    app.commands.addCommand(OPEN, {
      label: 'Open Hybrid runs',
      caption: 'Show the run log: calls, spend by locality, privacy flags',
      icon,
      execute: () => {
        shell.activateById(panel.id);
        void refresh(true);
      }
    });
    palette?.addItem({ command: OPEN, category: 'Hybrid Workbench' });

    const status = statusBar ? new HybridStatus(() => void app.commands.execute(OPEN)) : null;
    if (statusBar && status) {
      statusBar.registerStatusItem('jupyterlab-hybrid:status', { item: status, align: 'left', rank: 900 });
    }
    panel.onShown = () => void refresh(true);

    notebooks?.widgetAdded.connect((_, nb) => {
      let wasBusy = false;
      nb.sessionContext.statusChanged.connect((_, kernelStatus) => {
        const isBusy = kernelStatus === 'busy';
        if (isBusy !== wasBusy) {
          busy += isBusy ? 1 : -1;
          wasBusy = isBusy;
          void refresh().then(schedule);
        }
      });
      nb.disposed.connect(() => {
        if (wasBusy) {
          busy -= 1;
        }
      });
    });

    const applySettings = (settings: ISettingRegistry.ISettings) => {
      intervalMs = Math.max(0, Number(settings.get('refreshInterval').composite)) * 1000;
      panel.store = String(settings.get('storePath').composite ?? '');
      void refresh(true).then(schedule);
    };
    if (registry) {
      registry
        .load(PLUGIN_ID)
        .then(settings => {
          settings.changed.connect(applySettings);
          applySettings(settings);
        })
        .catch(() => void refresh(true).then(schedule));
    } else {
      void app.restored.then(() => refresh(true).then(schedule));
    }
  }
};

export default plugin;
