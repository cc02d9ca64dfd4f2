export interface Escape {
  file: string;
  line: number;
  found: string;
  why: string;
}
export function repoFiles(root: string): string[];
export function findEscapes(root: string, file: string, text: string): Escape[];
export function checkPaths(root: string): Escape[];
