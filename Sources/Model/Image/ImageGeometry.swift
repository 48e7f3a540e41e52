/// Pixel-exact crops and pads on 8-bit RGB images, matching transformers' numpy versions.
enum ImageGeometry {
    /// transformers' `center_crop`: `top = (h - ch) // 2`, zero padding (centred with `ceil`)
    /// where the image is smaller than the crop.
    static func centerCrop(_ image: Image, height ch: Int, width cw: Int) -> Image {
        if image.height == ch && image.width == cw { return image }
        let newH = max(ch, image.height), newW = max(cw, image.width)
        let topPad = (newH - image.height + 1) / 2, leftPad = (newW - image.width + 1) / 2
        let top = (image.height - ch).floorDiv(2) + topPad
        let left = (image.width - cw).floorDiv(2) + leftPad
        var out = [UInt8](repeating: 0, count: ch * cw * 3)
        for y in 0..<ch {
            let sy = top + y - topPad
            guard sy >= 0 && sy < image.height else { continue }
            for x in 0..<cw {
                let sx = left + x - leftPad
                guard sx >= 0 && sx < image.width else { continue }
                for c in 0..<3 { out[(y * cw + x) * 3 + c] = image.pixels[(sy * image.width + sx) * 3 + c] }
            }
        }
        return Image(width: cw, height: ch, pixels: out, name: image.name)
    }

    /// `LlavaImageProcessorPil.pad_to_square`: centre on a square of `color`, offset `(max - side) // 2`.
    static func padToSquare(_ image: Image, color: [UInt8]) -> Image {
        if image.width == image.height { return image }
        let side = max(image.width, image.height)
        var out = [UInt8](repeating: 0, count: side * side * 3)
        for i in 0..<(side * side) { for c in 0..<3 { out[3 * i + c] = color[c] } }
        let oy = (side - image.height) / 2, ox = (side - image.width) / 2
        for y in 0..<image.height {
            let dst = ((y + oy) * side + ox) * 3, src = y * image.width * 3
            out.replaceSubrange(dst..<(dst + image.width * 3), with: image.pixels[src..<(src + image.width * 3)])
        }
        return Image(width: side, height: side, pixels: out, name: image.name)
    }
}

extension Int {
    /// Python's `//` (floor division) for a positive divisor.
    func floorDiv(_ d: Int) -> Int { self >= 0 ? self / d : -((-self + d - 1) / d) }
}
