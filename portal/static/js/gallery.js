// The full-screen gallery: a click on a thumbnail opens PhotoSwipe on that deliverable's photos, with next and
// previous, zoom, swipe and the keyboard. Without JavaScript the thumbnail stays a plain link to its preview.
// One listener on the document, so galleries that htmx swaps in later work too.
const script = document.querySelector("script[data-photoswipe]");
let loading = null;

function photoSwipe() {
  // The pinned module was preloaded with its integrity hash; if the CDN fails, the vendored copy is the same bytes.
  loading = loading || import(script.dataset.photoswipe).catch(() => import(script.dataset.photoswipeLocal));
  return loading;
}

document.addEventListener("click", async (event) => {
  const link = event.target.closest("[data-gallery] a[data-pswp-width]");
  if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  const links = [...link.closest("[data-gallery]").querySelectorAll("a[data-pswp-width]")];
  const { default: PhotoSwipe } = await photoSwipe();
  const viewer = new PhotoSwipe({
    dataSource: links.map((item) => ({
      src: item.href,
      width: Number(item.dataset.pswpWidth),
      height: Number(item.dataset.pswpHeight),
      alt: item.querySelector("img")?.alt || "",
      element: item,
    })),
    index: links.indexOf(link),
    returnFocus: true,
    closeTitle: "Close (Esc)",
    arrowPrevTitle: "Previous photo",
    arrowNextTitle: "Next photo",
    zoomTitle: "Zoom",
  });
  // A way from the photo on screen to its comments and pins.
  viewer.on("uiRegister", () => {
    viewer.ui.registerElement({
      name: "comment",
      order: 9,
      isButton: true,
      tagName: "a",
      title: "Comment on this photo",
      html: "Comment",
      onInit: (button, pswp) => {
        const update = () => {
          button.href = pswp.getItemData(pswp.currIndex).element.dataset.pins;
        };
        pswp.on("change", update);
        update();
      },
    });
  });
  viewer.init();
});
