import Foundation

/// The 8×8 handwritten digits: the 1797 test images of the UCI "Optical
/// Recognition of Handwritten Digits" set (Alpaydin & Kaynak 1998,
/// <https://doi.org/10.24432/C50P49>, CC BY 4.0; the copy scikit-learn ships
/// as `load_digits`). Each image is 8×8 pixel counts 0…16 (the number of
/// "on" pixels of a 4×4 block of a 32×32 bitmap), row by row; labels 0…9.
/// The embedded copy is ``Datasets/digits()``; this view scales it for
/// image models.
public enum Digits {
    /// Number of images.
    public static let count = 1797
    /// Pixels per image (8 × 8).
    public static let pixels = 64
    /// Largest pixel value.
    public static let maxValue = 16.0

    /// The images scaled to [0, 1] (`count / 16`), one row of 64 per image,
    /// and their labels. With `binarized`, pixels > 8 become 1 and the rest 0.
    public static func load(binarized: Bool = false) throws -> (images: Matrix, labels: [Int]) {
        let raw = try Datasets.digits()
        let values = raw.x.values.map { binarized ? ($0 > 8 ? 1.0 : 0.0) : $0 / maxValue }
        return (try Matrix(rows: raw.x.rows, columns: pixels, values: values), raw.labels)
    }

    /// A deterministic train/test split of the images: every `k`-th image
    /// (`k = 1 / testFraction` rounded) goes to the test part.
    public static func split(testEvery k: Int = 5, binarized: Bool = false) throws
        -> (train: (images: Matrix, labels: [Int]), test: (images: Matrix, labels: [Int])) {
        guard k >= 2 else { throw BayesKitError.invalidArgument("testEvery must be >= 2, got \(k)") }
        let all = try load(binarized: binarized)
        var tr = [Double](), te = [Double](), ltr = [Int](), lte = [Int]()
        for i in 0..<all.labels.count {
            let row = all.images.values[(i * pixels)..<((i + 1) * pixels)]
            if i % k == k - 1 { te += row; lte.append(all.labels[i]) } else { tr += row; ltr.append(all.labels[i]) }
        }
        return ((Matrix(unchecked: ltr.count, pixels, tr), ltr), (Matrix(unchecked: lte.count, pixels, te), lte))
    }
}
