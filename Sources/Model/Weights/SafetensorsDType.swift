import Foundation

/// Element types of the safetensors format. keyscope converts floats to Float32 and integers to Int.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: return 1
        }
    }

    public var isFloat: Bool { [.f64, .f32, .f16, .bf16].contains(self) }
}

/// Bit-exact half-precision conversions (no `Float16`: it is missing on some targets).
public enum HalfFloat {
    @inlinable
    public static func bfloat16ToFloat(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// Round-to-nearest-even, as PyTorch's `.to(torch.bfloat16)`; NaN stays NaN.
    @inlinable
    public static func floatToBFloat16(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        if x.isNaN { return UInt16(b >> 16) | 0x40 }
        let rounding = 0x7FFF + ((b >> 16) & 1)
        return UInt16((b &+ rounding) >> 16)
    }

    @inlinable
    public static func float16ToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int((h >> 10) & 0x1F)
        let man = UInt32(h & 0x3FF)
        if exp == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (man << 13)) }
        if exp == 0 {
            let v = Float(man) * 0x1p-24
            return sign != 0 ? -v : v
        }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (man << 13))
    }

    /// Round-to-nearest-even Float32 → IEEE half.
    public static func floatToFloat16(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        let sign = UInt16((b >> 16) & 0x8000)
        if x.isNaN { return sign | 0x7E00 }
        let a = abs(x)
        if a >= 65520 { return sign | 0x7C00 }
        if a < 0x1p-14 {  // subnormal half: multiples of 2^-24
            let q = (a * 0x1p24).rounded(.toNearestOrEven)
            return sign | UInt16(q)
        }
        let e = Int((b >> 23) & 0xFF) - 127 + 15
        var man = b & 0x7F_FFFF
        var exp = UInt32(e)
        let rest = man & 0x1FFF
        man >>= 13
        if rest > 0x1000 || (rest == 0x1000 && (man & 1) == 1) {
            man += 1
            if man == 0x400 { man = 0; exp += 1 }
        }
        return sign | UInt16(exp << 10) | UInt16(man)
    }
}
