import Foundation

extension Datasets {
    /// scikit-learn's `load_digits`: 1797 8 × 8 images of handwritten digits
    /// (the test set of UCI's "Optical Recognition of Handwritten Digits",
    /// Alpaydin & Kaynak 1998; CC BY 4.0), shipped in the library
    /// (`DigitsData.swift`). `x` is 1797 × 64 pixel counts 0…16 (row by
    /// row, as scikit-learn's `data`), `labels` the digits 0…9, in
    /// scikit-learn's order.
    public static func digits() throws -> (x: Matrix, labels: [Int]) {
        var values = [Double](), labels = [Int]()
        values.reserveCapacity(1797 * 64)
        for (i, line) in digitsEncoded.split(separator: "\n").enumerated() {
            let chars = Array(line.utf8)
            guard chars.count == 65, let label = Int(String(UnicodeScalar(chars[64]))) else {
                throw BayesKitError(.internal, "digits data line \(i + 1) is malformed")
            }
            for c in chars[0..<64] {
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(Double(c - UInt8(ascii: "0")))
                case UInt8(ascii: "a")...UInt8(ascii: "g"): values.append(Double(c - UInt8(ascii: "a") + 10))
                default: throw BayesKitError(.internal, "digits data line \(i + 1) has the character \(c)")
                }
            }
            labels.append(label)
        }
        return (try Matrix(rows: labels.count, columns: 64, values: values), labels)
    }
}
