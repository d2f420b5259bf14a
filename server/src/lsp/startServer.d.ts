import { type Connection } from 'vscode-languageserver';
import { Logger } from './logger';
export declare function startServer(connection: Connection): Logger;
