// The view as a PNG, with the attribution written on it (ODbL and CC BY ask for it on every copy).

export function exportPng(map, { attribution, filename = "ban-do.png" }) {
  return new Promise((resolve) => {
    map.once("render", () => {
      // Read inside the render event: the drawing buffer is only whole until the frame ends.
      const source = map.getCanvas();
      const canvas = document.createElement("canvas");
      canvas.width = source.width;
      canvas.height = source.height;
      const context = canvas.getContext("2d");
      context.drawImage(source, 0, 0);
      const ratio = window.devicePixelRatio || 1;
      const credits = [attribution, ...sourceCredits(map)].filter(Boolean).join(" · ");
      context.font = `${11 * ratio}px "Noto Sans", "DejaVu Sans", sans-serif`;
      const width = Math.min(canvas.width, context.measureText(credits).width + 12 * ratio);
      context.fillStyle = "rgba(255, 255, 255, 0.8)";
      context.fillRect(canvas.width - width, canvas.height - 18 * ratio, width, 18 * ratio);
      context.fillStyle = "#222";
      context.textAlign = "right";
      context.fillText(credits, canvas.width - 6 * ratio, canvas.height - 5 * ratio, canvas.width - 12 * ratio);
      const url = canvas.toDataURL("image/png");
      const link = document.createElement("a");
      link.href = url;
      link.download = filename;
      document.body.append(link);
      link.click();
      link.remove();
      resolve(url);
    });
    map.triggerRepaint();
  });
}

function sourceCredits(map) {
  const seen = new Set();
  for (const source of Object.values(map.getStyle().sources)) {
    if (source.attribution) seen.add(source.attribution);
  }
  return [...seen];
}
