// The client commands lenses and hovers carry (ids and argument shapes from the protocol), and their markdown links:
// `command:<id>?<encoded JSON argument list>`, which the client trusts for the allow-listed ids only.
import { ClientCommands, type GoToStepArgs, type LinkView, type PickFlowStepArgs, type ShowCallHierarchyArgs, type ShowFlowArgs, type SimulateFromHereArgs } from '../../protocol/flowMessages';

export interface CommandRef {
  title: string;
  command: string;
  arguments: unknown[];
}

export function simulateFromHere(title: string, args: SimulateFromHereArgs): CommandRef {
  return { title, command: ClientCommands.simulateFromHere, arguments: [args] };
}

export function goToStep(title: string, args: GoToStepArgs): CommandRef {
  return { title, command: ClientCommands.goToStep, arguments: [args] };
}

export function pickFlowStep(title: string, args: PickFlowStepArgs): CommandRef {
  return { title, command: ClientCommands.pickFlowStep, arguments: [args] };
}

export function showCallHierarchy(title: string, args: ShowCallHierarchyArgs): CommandRef {
  return { title, command: ClientCommands.showCallHierarchy, arguments: [args] };
}

export function showFlow(title: string, args: ShowFlowArgs): CommandRef {
  return { title, command: ClientCommands.showFlow, arguments: [args] };
}

/** A markdown link running a command: `[title](command:id?args)`. */
export function markdownLink(ref: CommandRef): string {
  const title = ref.title.replace(/[[\]]/g, '\\$&');
  // encodeURIComponent leaves ( ) ' ! * as they are; a `)` would end the markdown link early.
  const args = encodeURIComponent(JSON.stringify(ref.arguments)).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `[${title}](command:${ref.command}?${args})`;
}

/** "Linux: xen_evtchn_do_upcall" when the link is in another codebase than the one read, else the bare symbol. */
export function linkLabel(link: LinkView, from: string | undefined): string {
  return from && link.codebase !== from ? `${codebaseName(link.codebase)}: ${link.symbol}` : link.symbol;
}

export function codebaseName(cb: string): string {
  return cb === 'qemu' ? 'QEMU' : cb.charAt(0).toUpperCase() + cb.slice(1);
}
