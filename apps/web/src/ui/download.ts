/** Saves a file the page made (a template, a CSV, an image) through the browser's download. */
export function downloadFile(fileName: string, body: Blob): void {
  const url = URL.createObjectURL(body);
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
