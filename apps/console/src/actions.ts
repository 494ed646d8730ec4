/** What each action asks before it runs and which request it sends. Pure. */
import type { RecoverySummary } from './api-types.js';
import { pipelinePath } from './api.js';
import type { ActionId } from './view-model.js';

/** Choices a confirmation offers besides yes and no. */
export interface ActionChoices {
  /** Stop: take a checkpoint first (`force=false`). */
  checkpointFirst?: boolean;
  /** Start: the initial mode. */
  initial?: 'running' | 'standby';
}

/** The parts of the actions' answers that are shown. */
export interface ActionAnswer {
  checkpoint_sequence_number?: number;
  checkpoint_uuid?: string;
}

export interface ActionSpec {
  title: string;
  body: string;
  confirm: string;
  /** Which extra control the dialog shows. */
  choice: 'none' | 'checkpoint-first' | 'initial-mode';
  /** Default of the extra control. */
  defaults: ActionChoices;
  /** The request, once confirmed. */
  path(choices: ActionChoices): string;
  /** What to say when it was accepted. */
  done(answer: ActionAnswer): string;
}

/** The confirmation and the request of an action on a pipeline. */
export function actionSpec(id: ActionId, s: RecoverySummary): ActionSpec {
  const name = s.name;
  const bucket = s.remote?.bucket ?? 'its bucket';
  switch (id) {
    case 'checkpoint':
      return {
        title: `Take a checkpoint of ${name}?`,
        body: `${name} writes a new checkpoint of its state to local storage. It keeps running.`,
        confirm: 'Take checkpoint',
        choice: 'none',
        defaults: {},
        path: () => pipelinePath(name, '/checkpoint'),
        done: (a) => `Checkpoint #${a.checkpoint_sequence_number ?? '?'} of ${name} committed.`,
      };
    case 'sync':
      return {
        title: `Sync ${name} now?`,
        body: `${name} pushes its newest local checkpoint to ${bucket}. Only files the bucket lacks are sent.`,
        confirm: 'Sync now',
        choice: 'none',
        defaults: {},
        path: () => pipelinePath(name, '/checkpoint/sync'),
        done: (a) =>
          `Sync of ${name} started (checkpoint ${(a.checkpoint_uuid ?? '?').slice(0, 8)}).`,
      };
    case 'activate': {
      const owner = s.remote?.owner;
      const fence =
        owner && !s.remote?.owner_is_self
          ? ` It takes ownership of ${bucket} from ${owner.given_name}: that pipeline's next push will be refused.`
          : '';
      return {
        title: `Activate ${name}?`,
        body: `${name} stops standing by, pulls the newest checkpoint from ${bucket} and starts running from it.${fence}`,
        confirm: 'Activate',
        choice: 'none',
        defaults: {},
        path: () => pipelinePath(name, '/activate'),
        done: () => `${name} is activating.`,
      };
    }
    case 'stop':
      return {
        title: `Stop ${name}?`,
        body:
          s.role === 'standby'
            ? `${name} stops standing by; it can no longer take over until it is started again.`
            : `${name} stops processing. Its local storage is kept.`,
        confirm: 'Stop',
        choice: s.role === 'primary' ? 'checkpoint-first' : 'none',
        defaults: { checkpointFirst: s.role === 'primary' },
        path: (c) => pipelinePath(name, `/stop?force=${c.checkpointFirst ? 'false' : 'true'}`),
        done: () => `${name} stopped.`,
      };
    case 'start':
      return {
        title: `Start ${name}?`,
        body: s.sync_configured
          ? `${name} restores its checkpoint (local storage first, then ${bucket}) and runs, or stands by.`
          : `${name} starts from its local storage.`,
        confirm: 'Start',
        choice: s.sync_configured ? 'initial-mode' : 'none',
        defaults: { initial: s.standby_configured ? 'standby' : 'running' },
        path: (c) => pipelinePath(name, `/start?initial=${c.initial ?? 'running'}`),
        done: () => `${name} is starting.`,
      };
  }
}
