/**
 * The console page: polls `GET /v0/recovery` (one request for every pipeline), renders one card per
 * pipeline, updates the cards in place, draws a card's timeline once it is on screen, and runs the
 * actions after a confirmation. Only the public API is called, with the key the operator typed.
 */
import { actionSpec } from './actions.js';
import type { ActionAnswer, ActionChoices } from './actions.js';
import { ApiClient, ApiError, browserKeyStore, pipelinePath } from './api.js';
import type {
  RecoveryEvent,
  RecoveryHistory,
  RecoveryList,
  RecoverySummary,
  Role,
} from './api-types.js';
import { nextPollDelay } from './poll-schedule.js';
import { Timeline } from './timeline.js';
import {
  ROLE_LABELS,
  actionsFor,
  countRoles,
  isBusy,
  matchesFilter,
  summaryFields,
  transferText,
} from './view-model.js';
import type { ActionId, Field } from './view-model.js';

const keys = browserKeyStore();
const api = new ApiClient(keys);

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; attrs?: Record<string, string> } = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [k, v] of Object.entries(props.attrs ?? {})) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node as T;
}

const ui = {
  connection: byId<HTMLParagraphElement>('connection'),
  keyPrompt: byId<HTMLElement>('key-prompt'),
  keyForm: byId<HTMLFormElement>('key-form'),
  keyInput: byId<HTMLInputElement>('key-input'),
  keyRemember: byId<HTMLInputElement>('key-remember'),
  keyError: byId<HTMLParagraphElement>('key-error'),
  forgetKey: byId<HTMLButtonElement>('forget-key'),
  overview: byId<HTMLElement>('overview'),
  filter: byId<HTMLInputElement>('filter'),
  roleFilter: byId<HTMLSelectElement>('role-filter'),
  windowSelect: byId<HTMLSelectElement>('window'),
  viewSelect: byId<HTMLSelectElement>('view'),
  counts: byId<HTMLParagraphElement>('counts'),
  list: byId<HTMLDivElement>('pipelines'),
  empty: byId<HTMLParagraphElement>('empty'),
  dialog: byId<HTMLDialogElement>('confirm'),
  dialogTitle: byId<HTMLHeadingElement>('confirm-title'),
  dialogBody: byId<HTMLParagraphElement>('confirm-body'),
  dialogCheckpoint: byId<HTMLElement>('confirm-checkpoint'),
  dialogCheckpointInput: byId<HTMLInputElement>('confirm-checkpoint-input'),
  dialogInitial: byId<HTMLFieldSetElement>('confirm-initial'),
  dialogOk: byId<HTMLButtonElement>('confirm-ok'),
  announcer: byId<HTMLDivElement>('announcer'),
};

const state = {
  failures: 0,
  busy: false,
  timer: undefined as number | undefined,
  polling: false,
  windowSecs: Number(ui.windowSelect.value) * 3600,
  compact: false,
  /** The operator picked a view; until then more than 12 pipelines start compact. */
  viewChosen: false,
  nowMs: Date.now(),
  focusName: decodeURIComponent(/^\/ui\/pipelines\/([^/]+)/.exec(location.pathname)?.[1] ?? ''),
};

function announce(text: string): void {
  ui.announcer.textContent = '';
  // A fresh text node makes screen readers announce a repeated message too.
  window.setTimeout(() => (ui.announcer.textContent = text), 50);
}

function setConnection(text: string, tone: 'ok' | 'bad' | 'muted'): void {
  ui.connection.textContent = text;
  ui.connection.dataset.tone = tone;
}

/** Asks before an action; resolves the choices, or null when cancelled. */
function confirmAction(spec: ReturnType<typeof actionSpec>): Promise<ActionChoices | null> {
  ui.dialogTitle.textContent = spec.title;
  ui.dialogBody.textContent = spec.body;
  ui.dialogOk.textContent = spec.confirm;
  ui.dialogCheckpoint.hidden = spec.choice !== 'checkpoint-first';
  ui.dialogCheckpointInput.checked = spec.defaults.checkpointFirst ?? false;
  ui.dialogInitial.hidden = spec.choice !== 'initial-mode';
  for (const input of ui.dialogInitial.querySelectorAll<HTMLInputElement>('input[name=initial]'))
    input.checked = input.value === (spec.defaults.initial ?? 'running');
  ui.dialog.returnValue = '';
  ui.dialog.showModal();
  ui.dialogOk.focus();
  return new Promise((resolve) => {
    ui.dialog.addEventListener(
      'close',
      () => {
        if (ui.dialog.returnValue !== 'ok') return resolve(null);
        const initial = ui.dialogInitial.querySelector<HTMLInputElement>(
          'input[name=initial]:checked',
        )?.value;
        resolve({
          checkpointFirst: ui.dialogCheckpointInput.checked,
          initial: initial === 'standby' ? 'standby' : 'running',
        });
      },
      { once: true },
    );
  });
}

/** One pipeline's card, built once and updated in place on every poll. */
class Card {
  readonly root: HTMLElement;
  private readonly title: HTMLHeadingElement;
  private readonly role: HTMLSpanElement;
  private readonly error: HTMLParagraphElement;
  private readonly fields: HTMLDListElement;
  private readonly fieldNodes = new Map<string, { dt: HTMLElement; dd: HTMLElement }>();
  private readonly transfer: HTMLDivElement;
  private readonly transferLabel: HTMLSpanElement;
  private readonly progress: HTMLProgressElement;
  private readonly transferDetail: HTMLSpanElement;
  private readonly actions: HTMLDivElement;
  private readonly buttons = new Map<ActionId, HTMLButtonElement>();
  private readonly message: HTMLParagraphElement;
  private readonly chart: HTMLDivElement;
  private readonly caption: HTMLElement;
  private timeline: Timeline | null = null;
  private events: RecoveryEvent[] = [];
  private historySeq = 0;
  private historyLoading = false;
  visible = false;
  summary: RecoverySummary;

  constructor(summary: RecoverySummary) {
    this.summary = summary;
    const id = `p-${summary.system_name}`;
    this.title = el('h2', { attrs: { id: `${id}-title` } });
    this.role = el('span', { className: 'role' });
    this.error = el('p', { className: 'error', attrs: { hidden: '' } });
    this.fields = el('dl', { className: 'fields' });
    this.transferLabel = el('span', {
      className: 'transfer-label',
      attrs: { id: `${id}-transfer` },
    });
    this.progress = el('progress', {
      attrs: { max: '1', value: '0', 'aria-labelledby': `${id}-transfer` },
    });
    this.transferDetail = el('span', { className: 'transfer-detail' });
    this.transfer = el(
      'div',
      { className: 'transfer', attrs: { hidden: '' } },
      this.transferLabel,
      this.progress,
      this.transferDetail,
    );
    this.chart = el('div', { className: 'chart' });
    this.caption = el('figcaption', { text: 'Timeline loads when shown.' });
    const figure = el('figure', { className: 'timeline' }, this.chart, this.caption);
    this.actions = el('div', {
      className: 'actions',
      attrs: { role: 'group', 'aria-label': 'Actions' },
    });
    this.message = el('p', { className: 'message', attrs: { role: 'status' } });
    this.root = el(
      'article',
      {
        className: 'card',
        attrs: { id, 'aria-labelledby': `${id}-title`, 'data-name': summary.name },
      },
      el('header', { className: 'card-head' }, this.title, this.role),
      this.error,
      this.transfer,
      this.fields,
      figure,
      this.actions,
      this.message,
    );
  }

  update(s: RecoverySummary, nowMs: number): void {
    this.summary = s;
    this.root.dataset.name = s.name;
    this.root.dataset.role = s.role;
    this.title.textContent = s.name;
    this.title.title = s.system_name;
    this.role.textContent = ROLE_LABELS[s.role];
    this.role.dataset.role = s.role;
    this.error.hidden = s.error === null;
    this.error.textContent = s.error ? `Error (${s.error.error_code}): ${s.error.message}` : '';
    this.renderFields(summaryFields(s, nowMs, (system) => cards.get(system)?.summary.name));
    this.renderTransfer(s);
    this.renderActions(s);
    if (this.visible) this.refreshTimeline(nowMs);
  }

  private renderFields(fields: Field[]): void {
    const seen = new Set<string>();
    let previous: HTMLElement | null = null;
    for (const f of fields) {
      seen.add(f.key);
      let nodes = this.fieldNodes.get(f.key);
      if (!nodes) {
        nodes = { dt: el('dt'), dd: el('dd') };
        this.fieldNodes.set(f.key, nodes);
      }
      nodes.dt.textContent = f.label;
      nodes.dt.dataset.field = f.key;
      nodes.dd.textContent = f.value;
      nodes.dd.dataset.tone = f.tone;
      nodes.dd.dataset.field = f.key;
      if (f.title) nodes.dd.title = f.title;
      else nodes.dd.removeAttribute('title');
      const wanted: ChildNode | null = previous ? previous.nextSibling : this.fields.firstChild;
      if (wanted !== nodes.dt) this.fields.insertBefore(nodes.dt, wanted);
      if (nodes.dt.nextSibling !== nodes.dd)
        this.fields.insertBefore(nodes.dd, nodes.dt.nextSibling);
      previous = nodes.dd;
    }
    for (const [key, nodes] of this.fieldNodes) {
      if (seen.has(key)) continue;
      nodes.dt.remove();
      nodes.dd.remove();
      this.fieldNodes.delete(key);
    }
  }

  private renderTransfer(s: RecoverySummary): void {
    const t = s.transfer;
    this.transfer.hidden = t === null;
    if (!t) return;
    const text = transferText(t);
    this.transferLabel.textContent = text.label;
    this.transferDetail.textContent = text.detail;
    this.progress.value = text.fraction;
    this.progress.setAttribute(
      'aria-valuetext',
      `${Math.round(text.fraction * 100)}%: ${text.detail}`,
    );
  }

  private renderActions(s: RecoverySummary): void {
    const actions = actionsFor(s);
    const ids = new Set(actions.map((a) => a.id));
    for (const [id, button] of this.buttons) {
      if (!ids.has(id)) {
        button.remove();
        this.buttons.delete(id);
      }
    }
    let previous: HTMLButtonElement | null = null;
    for (const action of actions) {
      let button = this.buttons.get(action.id);
      if (!button) {
        button = el('button', {
          className: `action action-${action.id}`,
          attrs: { type: 'button', 'data-action': action.id },
        });
        button.addEventListener('click', () => void this.run(action.id));
        this.buttons.set(action.id, button);
      }
      // Moved only when out of place: moving a focused button would drop the keyboard focus.
      const wanted: ChildNode | null = previous ? previous.nextSibling : this.actions.firstChild;
      if (wanted !== button) this.actions.insertBefore(button, wanted);
      previous = button;
      button.textContent = action.label;
      if (button.dataset.pending !== 'true') button.disabled = !action.enabled;
      button.title = action.reason ?? `${action.label} ${s.name}`;
      button.setAttribute('aria-label', `${action.label} ${s.name}`);
    }
  }

  private say(text: string, tone: 'ok' | 'bad' | 'muted'): void {
    this.message.textContent = text;
    this.message.dataset.tone = tone;
  }

  private async run(id: ActionId): Promise<void> {
    const spec = actionSpec(id, this.summary);
    const choices = await confirmAction(spec);
    if (!choices) return;
    const button = this.buttons.get(id);
    if (button) {
      button.dataset.pending = 'true';
      button.disabled = true;
    }
    this.say(`${spec.confirm}: sending…`, 'muted');
    try {
      const answer = await api.post<ActionAnswer>(spec.path(choices));
      const text = spec.done(answer);
      this.say(text, 'ok');
      announce(text);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return needKey(true);
      const text = `${spec.confirm} failed: ${err instanceof Error ? err.message : String(err)}`;
      this.say(text, 'bad');
      announce(text);
    } finally {
      if (button) {
        delete button.dataset.pending;
        button.disabled = false;
      }
      pollSoon();
    }
  }

  /** Draws the timeline, fetching new events first when the pipeline has some. */
  refreshTimeline(nowMs: number): void {
    if (state.compact) return;
    this.timeline ??= new Timeline(this.chart, this.caption);
    if (this.summary.history_seq !== this.historySeq && !this.historyLoading) {
      this.historyLoading = true;
      const after = this.summary.history_seq < this.historySeq ? 0 : this.historySeq;
      api
        .get<RecoveryHistory>(
          `${pipelinePath(this.summary.name, '/recovery/history')}?after=${after}`,
        )
        .then((h) => {
          this.events = (after === 0 ? h.events : [...this.events, ...h.events]).slice(-h.capacity);
          this.historySeq = h.last_seq;
          this.timeline?.update(this.events, state.nowMs, state.windowSecs);
        })
        .catch(() => undefined)
        .finally(() => (this.historyLoading = false));
    }
    this.timeline.update(this.events, nowMs, state.windowSecs);
  }

  destroy(): void {
    this.timeline?.destroy();
    this.root.remove();
  }
}

const cards = new Map<string, Card>();
const observer = new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      const card = [...cards.values()].find((c) => c.root === entry.target);
      if (!card) continue;
      card.visible = entry.isIntersecting;
      if (card.visible) card.refreshTimeline(state.nowMs);
    }
  },
  { rootMargin: '200px' },
);

function applyFilter(): void {
  const text = ui.filter.value;
  const role = ui.roleFilter.value as Role | 'all';
  let shown = 0;
  for (const card of cards.values()) {
    const match = matchesFilter(card.summary, text, role);
    card.root.hidden = !match;
    if (match) shown++;
  }
  ui.empty.hidden = shown > 0;
  ui.empty.textContent =
    cards.size === 0
      ? 'No pipelines yet: create one with PUT /v0/pipelines/{name}.'
      : 'No pipeline matches the filter.';
}

function setView(compact: boolean): void {
  state.compact = compact;
  ui.viewSelect.value = compact ? 'compact' : 'detailed';
  ui.list.classList.toggle('compact', compact);
  if (!compact)
    for (const card of cards.values()) if (card.visible) card.refreshTimeline(state.nowMs);
}

function render(data: RecoveryList): void {
  state.nowMs = Date.parse(data.server_time) || Date.now();
  if (!state.viewChosen && data.pipelines.length > 12 && !state.compact) setView(true);
  const list = [...data.pipelines].sort((a, b) => a.name.localeCompare(b.name));
  const seen = new Set<string>();
  let previous: HTMLElement | null = null;
  for (const s of list) {
    seen.add(s.system_name);
    let card = cards.get(s.system_name);
    if (!card) {
      card = new Card(s);
      cards.set(s.system_name, card);
      observer.observe(card.root);
    }
    card.update(s, state.nowMs);
    const wanted: ChildNode | null = previous ? previous.nextSibling : ui.list.firstChild;
    if (wanted !== card.root) ui.list.insertBefore(card.root, wanted);
    previous = card.root;
  }
  for (const [key, card] of cards) {
    if (seen.has(key)) continue;
    observer.unobserve(card.root);
    card.destroy();
    cards.delete(key);
  }
  const counts = countRoles(list);
  ui.counts.textContent = `${list.length} pipeline${list.length === 1 ? '' : 's'}: ${counts.primary} primary, ${counts.standby} standby, ${counts.stopped} stopped, ${counts.failed} failed`;
  applyFilter();
  state.busy = isBusy(list);
  if (state.focusName) {
    const card = [...cards.values()].find((c) => c.summary.name === state.focusName);
    state.focusName = '';
    if (card) {
      card.root.tabIndex = -1;
      card.root.scrollIntoView({ block: 'start' });
      card.root.focus();
    }
  }
}

function clearCards(): void {
  for (const card of cards.values()) {
    observer.unobserve(card.root);
    card.destroy();
  }
  cards.clear();
}

/** Shows the key prompt and nothing else. */
function needKey(refused: boolean): void {
  window.clearTimeout(state.timer);
  const hadKey = keys.get() !== null;
  keys.clear();
  clearCards();
  ui.overview.hidden = true;
  ui.forgetKey.hidden = true;
  ui.keyPrompt.hidden = false;
  ui.keyError.textContent =
    refused && hadKey ? 'The server refused that key. Check it and try again.' : '';
  setConnection('This server needs its API key.', 'muted');
  ui.keyInput.focus();
}

async function poll(): Promise<void> {
  if (state.polling) return;
  state.polling = true;
  window.clearTimeout(state.timer);
  try {
    const data = await api.get<RecoveryList>('/v0/recovery');
    state.failures = 0;
    ui.keyPrompt.hidden = true;
    ui.overview.hidden = false;
    ui.forgetKey.hidden = keys.get() === null;
    render(data);
    setConnection(`Live · updated ${new Date(state.nowMs).toLocaleTimeString()}`, 'ok');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      state.polling = false;
      return needKey(true);
    }
    state.failures++;
    const delay = nextPollDelay({ failures: state.failures, busy: false }, Math.random());
    setConnection(
      `Cannot reach the server (${err instanceof Error ? err.message : String(err)}); retrying in ${Math.round(delay / 1000)} s. The cards show the last answer.`,
      'bad',
    );
  } finally {
    state.polling = false;
  }
  schedule();
}

function schedule(): void {
  window.clearTimeout(state.timer);
  if (document.hidden) return; // polled again when the tab is shown
  const delay = nextPollDelay({ failures: state.failures, busy: state.busy }, Math.random());
  state.timer = window.setTimeout(() => void poll(), delay);
}

/** Polls soon after an action, so its effect shows quickly. */
function pollSoon(): void {
  window.clearTimeout(state.timer);
  state.timer = window.setTimeout(() => void poll(), 200);
}

ui.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = ui.keyInput.value.trim();
  if (!key) return;
  keys.set(key, ui.keyRemember.checked);
  ui.keyInput.value = '';
  ui.keyError.textContent = '';
  void poll();
});
ui.forgetKey.addEventListener('click', () => needKey(false));
ui.filter.addEventListener('input', applyFilter);
ui.roleFilter.addEventListener('change', applyFilter);
ui.viewSelect.addEventListener('change', () => {
  state.viewChosen = true;
  setView(ui.viewSelect.value === 'compact');
});
ui.windowSelect.addEventListener('change', () => {
  state.windowSecs = Number(ui.windowSelect.value) * 3600;
  for (const card of cards.values()) if (card.visible) card.refreshTimeline(state.nowMs);
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void poll();
});

void poll();
