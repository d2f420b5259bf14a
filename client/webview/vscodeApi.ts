// The one handle a webview gets on VS Code: post messages and keep state across hide and reload.
import type { PanelState, ToExtension } from '../src/simulation/panelMessages';

interface VsCodeApi {
  postMessage(msg: ToExtension): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export const vscode: VsCodeApi = acquireVsCodeApi();
