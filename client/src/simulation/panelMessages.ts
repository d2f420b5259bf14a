// The messages between the simulation panel's webview and the extension: one file both sides import, with the checks
// both sides run on what they receive (a webview message is untrusted input; an unknown kind is ignored and logged).
import type { FlowView, LinkView, ParamValue, SimulateParams, TraceView } from '../../../server/src/protocol/flowMessages';

/** What the panel shows now; kept by the webview (getState/setState) so a reload restores it. */
export interface PanelState {
  request: SimulateParams;
  /** 0-based index of the selected trace step. */
  stepIndex: number;
  /** The panel's title ("X6 from hvm_assert_evtchn_irq"). */
  title: string;
}

/** extension → view */
export type ToView =
  | { kind: 'trace'; trace: TraceView; flow: FlowView; state: PanelState }
  | { kind: 'error'; error: string; field?: string; line?: number; state: PanelState; flow?: FlowView }
  | { kind: 'busy'; text: string };

/** view → extension */
export type ToExtension =
  | { kind: 'ready'; state?: PanelState }
  | { kind: 'rerun'; profile?: string; params: Record<string, ParamValue> }
  | { kind: 'openLink'; link: LinkView }
  | { kind: 'showText' }
  | { kind: 'selectStep'; stepIndex: number };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isParamValue = (v: unknown): v is ParamValue => typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string';
const optString = (v: unknown): boolean => v === undefined || typeof v === 'string';

function isPanelState(v: unknown): v is PanelState {
  return isObject(v) && isObject(v.request) && typeof v.stepIndex === 'number' && Number.isInteger(v.stepIndex) && typeof v.title === 'string';
}

function isLinkView(v: unknown): v is LinkView {
  if (!isObject(v) || typeof v.codebase !== 'string' || typeof v.symbol !== 'string' || !optString(v.file) || !optString(v.unresolved)) return false;
  const loc = v.location;
  return loc === undefined || (isObject(loc) && typeof loc.uri === 'string' && typeof loc.line === 'number' && typeof loc.character === 'number');
}

/** The view's message as a ToExtension, or a reason it is not one. */
export function checkToExtension(msg: unknown): { ok: true; msg: ToExtension } | { ok: false; why: string } {
  if (!isObject(msg) || typeof msg.kind !== 'string') return { ok: false, why: 'not an object with a string `kind`' };
  switch (msg.kind) {
    case 'ready':
      return msg.state === undefined || isPanelState(msg.state) ? { ok: true, msg: msg as ToExtension } : { ok: false, why: 'ready: bad `state`' };
    case 'rerun':
      if (!optString(msg.profile)) return { ok: false, why: 'rerun: `profile` is not a string' };
      if (!isObject(msg.params) || !Object.values(msg.params).every(isParamValue)) return { ok: false, why: 'rerun: `params` must map names to numbers, booleans or strings' };
      return { ok: true, msg: msg as ToExtension };
    case 'openLink':
      return isLinkView(msg.link) ? { ok: true, msg: msg as ToExtension } : { ok: false, why: 'openLink: bad `link`' };
    case 'showText':
      return { ok: true, msg: msg as ToExtension };
    case 'selectStep':
      return typeof msg.stepIndex === 'number' && Number.isInteger(msg.stepIndex) && msg.stepIndex >= 0
        ? { ok: true, msg: msg as ToExtension }
        : { ok: false, why: 'selectStep: `stepIndex` must be a non-negative integer' };
    default:
      return { ok: false, why: `unknown kind "${msg.kind}"` };
  }
}

/** The extension's message as a ToView, or a reason it is not one. */
export function checkToView(msg: unknown): { ok: true; msg: ToView } | { ok: false; why: string } {
  if (!isObject(msg) || typeof msg.kind !== 'string') return { ok: false, why: 'not an object with a string `kind`' };
  switch (msg.kind) {
    case 'trace':
      if (!isObject(msg.trace) || !Array.isArray(msg.trace.steps) || !Array.isArray(msg.trace.outcome)) return { ok: false, why: 'trace: bad `trace`' };
      if (!isObject(msg.flow) || !Array.isArray(msg.flow.params)) return { ok: false, why: 'trace: bad `flow`' };
      return isPanelState(msg.state) ? { ok: true, msg: msg as ToView } : { ok: false, why: 'trace: bad `state`' };
    case 'error':
      if (typeof msg.error !== 'string' || !optString(msg.field)) return { ok: false, why: 'error: bad `error` or `field`' };
      return isPanelState(msg.state) ? { ok: true, msg: msg as ToView } : { ok: false, why: 'error: bad `state`' };
    case 'busy':
      return typeof msg.text === 'string' ? { ok: true, msg: msg as ToView } : { ok: false, why: 'busy: bad `text`' };
    default:
      return { ok: false, why: `unknown kind "${msg.kind}"` };
  }
}
