/* Product page, enhanced: the shown price and availability follow the picked variant, and the
   gallery's thumbnails scroll the photo strip without jumping the page. Everything works without
   this file (radios carry their price and stock; thumbnails are anchors). */
(function () {
  "use strict";

  var form = document.querySelector("[data-testid=add-to-cart-form]");
  var price = document.getElementById("product-price");
  var compare = document.getElementById("product-compare-price");
  var availability = document.getElementById("product-availability");

  function show(radio) {
    if (!radio || !price) { return; }
    price.textContent = radio.dataset.price;
    if (compare) {
      compare.textContent = radio.dataset.comparePrice || "";
      compare.hidden = !radio.dataset.comparePrice;
    }
    if (availability) {
      var inStock = radio.dataset.inStock === "true";
      availability.dataset.inStock = inStock ? "true" : "false";
      var label = radio.parentNode.querySelector(".variant-stock");
      if (label) { availability.textContent = label.textContent; }
    }
  }

  if (form) {
    form.addEventListener("change", function (event) {
      if (event.target.name === "variant_id") { show(event.target); }
    });
    show(form.querySelector("input[name=variant_id]:checked"));
  }

  var strip = document.querySelector(".gallery-main");
  var thumbs = document.querySelectorAll(".gallery-thumbs a");
  Array.prototype.forEach.call(thumbs, function (link) {
    link.addEventListener("click", function (event) {
      var slide = document.getElementById(link.hash.slice(1));
      if (!strip || !slide) { return; }
      event.preventDefault();
      strip.scrollTo({ left: slide.offsetLeft - strip.offsetLeft, behavior: "smooth" });
      Array.prototype.forEach.call(thumbs, function (other) { other.removeAttribute("aria-current"); });
      link.setAttribute("aria-current", "true");
    });
  });
}());
