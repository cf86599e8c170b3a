// PruneVid.NET — tokenizer.
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace PruneVid.Runtime.Text;

/// <summary>
/// The Qwen2 / Qwen2.5-VL byte-level BPE tokenizer on Microsoft.ML.Tokenizers: added tokens are split out first
/// (leftmost-longest exact match, never BPE'd), the rest is NFC-normalised, split like Qwen's pre-tokenizer regex
/// (<see cref="QwenPreTokenizer"/>), mapped to the
/// byte-level alphabet and merged by rank. Encoding adds no BOS/EOS, like Hugging Face with
/// <c>add_special_tokens=False</c>.
/// </summary>
public sealed class QwenTokenizer
{
    /// <summary>The pre-tokenizer regex of Qwen2's <c>tokenizer.json</c>, used when a file does not carry one.</summary>
    public const string PreTokenizerPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private readonly BpeTokenizer _bpe;
    private readonly byte[]?[] _tokenBytes;
    private readonly bool[] _isSpecial;
    private readonly Dictionary<string, int> _addedTokens;
    private readonly AddedTokenSplitter _addedTokenSplitter;

    private QwenTokenizer(BpeTokenizer bpe, byte[]?[] tokenBytes, bool[] isSpecial, Dictionary<string, int> addedTokens)
    {
        _addedTokenSplitter = new AddedTokenSplitter(addedTokens);
        _bpe = bpe;
        _tokenBytes = tokenBytes;
        _isSpecial = isSpecial;
        _addedTokens = addedTokens;
    }

    /// <summary>One past the largest token id the tokenizer knows (regular vocabulary plus added tokens).</summary>
    public int IdCount => _tokenBytes.Length;

    /// <summary>Added tokens (special or not) by their text, e.g. <c>&lt;|video_pad|&gt;</c> → 151656.</summary>
    public IReadOnlyDictionary<string, int> AddedTokens => _addedTokens;

    /// <summary>
    /// Loads the tokenizer of a model folder: <c>tokenizer.json</c> if present, else <c>vocab.json</c> +
    /// <c>merges.txt</c> with the added tokens of <c>tokenizer_config.json</c> (or Qwen2.5-VL's table when
    /// that file is absent).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder holds neither tokenizer.json nor vocab.json + merges.txt.</exception>
    /// <exception cref="InvalidOperationException">This process cannot do Unicode NFC (invariant globalization).</exception>
    public static QwenTokenizer FromModelFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"model folder '{folder}' does not exist");
        string json = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(json)) return FromTokenizerJson(json);
        string vocab = Path.Combine(folder, "vocab.json"), merges = Path.Combine(folder, "merges.txt");
        if (File.Exists(vocab) && File.Exists(merges))
            return FromVocabAndMerges(vocab, merges, Path.Combine(folder, "tokenizer_config.json"));
        throw new FileNotFoundException(
            $"model folder '{folder}' has no tokenizer: expected tokenizer.json, or vocab.json together with merges.txt", json);
    }

    /// <summary>Loads a Hugging Face <c>tokenizer.json</c> holding a byte-level BPE model.</summary>
    public static QwenTokenizer FromTokenizerJson(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"tokenizer file '{path}' not found", path);
        using var stream = File.OpenRead(path);
        using var doc = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 256 });
        var root = doc.RootElement;
        if (!root.TryGetProperty("model", out var model) || model.GetProperty("type").GetString() != "BPE")
            throw new FormatException($"'{path}' does not hold a BPE tokenizer model");

        var vocab = new Dictionary<string, int>(model.GetProperty("vocab").GetPropertyCount(), StringComparer.Ordinal);
        foreach (var entry in model.GetProperty("vocab").EnumerateObject()) vocab[entry.Name] = entry.Value.GetInt32();

        var merges = new List<string>();
        foreach (var merge in model.GetProperty("merges").EnumerateArray())
        {
            // Newer files store each merge as a pair ["a","b"], older ones as the string "a b".
            merges.Add(merge.ValueKind == JsonValueKind.Array
                ? merge[0].GetString() + " " + merge[1].GetString()
                : merge.GetString()!);
        }

        var added = new List<(string Content, int Id, bool Special)>();
        if (root.TryGetProperty("added_tokens", out var addedTokens))
            foreach (var token in addedTokens.EnumerateArray())
                added.Add((token.GetProperty("content").GetString()!, token.GetProperty("id").GetInt32(),
                           token.TryGetProperty("special", out var special) && special.GetBoolean()));

        return Build(vocab, merges, added, FindSplitPattern(root) ?? PreTokenizerPattern);
    }

    /// <summary>Loads <c>vocab.json</c> + <c>merges.txt</c>; added tokens come from <paramref name="tokenizerConfigPath"/> when it exists.</summary>
    public static QwenTokenizer FromVocabAndMerges(string vocabPath, string mergesPath, string? tokenizerConfigPath = null)
    {
        if (!File.Exists(vocabPath)) throw new FileNotFoundException($"vocabulary file '{vocabPath}' not found", vocabPath);
        if (!File.Exists(mergesPath)) throw new FileNotFoundException($"merges file '{mergesPath}' not found", mergesPath);
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath))
                    ?? throw new FormatException($"'{vocabPath}' is not a JSON object of token → id");
        var merges = File.ReadLines(mergesPath)
            .Where(line => line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal))
            .ToList();
        var added = tokenizerConfigPath is not null && File.Exists(tokenizerConfigPath)
            ? ReadAddedTokensFromConfig(tokenizerConfigPath)
            : QwenSpecialTokens.Qwen25VLAddedTokens.ToList();
        return Build(vocab, merges, added, PreTokenizerPattern);
    }

    /// <summary>Token ids of <paramref name="text"/> (no BOS/EOS added). Added tokens inside the text are recognised.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // Like Hugging Face: added tokens are found in the raw text first; only the text between them is
        // normalised and BPE'd (NFC could otherwise merge a token's closing '>' with a following U+0338).
        var ids = new List<int>();
        foreach (var (offset, length, addedId) in _addedTokenSplitter.Split(text))
        {
            if (addedId >= 0) ids.Add(addedId);
            else ids.AddRange(_bpe.EncodeToIds(NfcNormalizer.Nfc(text.Substring(offset, length)), considerPreTokenization: true, considerNormalization: false));
        }
        return ids.ToArray();
    }

    /// <summary>The id of an added token such as <c>&lt;|im_end|&gt;</c>; throws when the tokenizer lacks it.</summary>
    public int GetAddedTokenId(string token) =>
        _addedTokens.TryGetValue(token, out int id)
            ? id
            : throw new KeyNotFoundException($"the tokenizer has no added token '{token}'");

    /// <summary>Whether <paramref name="id"/> is a special added token (removed by <c>skipSpecialTokens</c>).</summary>
    public bool IsSpecial(int id) => (uint)id < (uint)_isSpecial.Length && _isSpecial[id];

    /// <summary>The raw bytes token <paramref name="id"/> stands for (UTF-8 text for added tokens).</summary>
    public ReadOnlySpan<byte> GetTokenBytes(int id)
    {
        if ((uint)id >= (uint)_tokenBytes.Length || _tokenBytes[id] is null)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is not in the vocabulary (0..{_tokenBytes.Length - 1})");
        return _tokenBytes[id];
    }

    /// <summary>
    /// Text of <paramref name="ids"/>: the tokens' bytes joined and decoded as UTF-8, invalid sequences becoming
    /// U+FFFD (Hugging Face <c>errors="replace"</c>).
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            var tokenBytes = GetTokenBytes(id);
            if (skipSpecialTokens && _isSpecial[id]) continue;
            foreach (byte b in tokenBytes) bytes.Add(b);
        }
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    /// <summary>A decoder for generated tokens that only emits complete UTF-8 characters.</summary>
    public TokenStreamDecoder CreateStreamDecoder(bool skipSpecialTokens = false) => new(this, skipSpecialTokens);

    private static QwenTokenizer Build(Dictionary<string, int> vocab, List<string> merges,
                                       List<(string Content, int Id, bool Special)> added, string pattern)
    {
        EnsureNormalizationAvailable(text => text.Normalize(NormalizationForm.FormC));

        var addedTokens = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in added) addedTokens[token.Content] = token.Id;

        int count = Math.Max(vocab.Count == 0 ? 0 : vocab.Values.Max() + 1, added.Count == 0 ? 0 : added.Max(a => a.Id) + 1);
        var tokenBytes = new byte[]?[count];
        var isSpecial = new bool[count];
        foreach (var (token, id) in vocab)
        {
            if (id < 0) throw new FormatException($"vocabulary token '{token}' has a negative id {id}");
            tokenBytes[id] = ByteLevel.ToBytes(token);
        }
        foreach (var token in added)
        {
            tokenBytes[token.Id] = Encoding.UTF8.GetBytes(token.Content);
            isSpecial[token.Id] = token.Special;
        }

        if (pattern != PreTokenizerPattern)
            throw new NotSupportedException($"unsupported pre-tokenizer pattern '{pattern}': only Qwen2's byte-level BPE split is implemented");

        // Added tokens and NFC are handled in Encode, so the BPE model sees plain normalised text only.
        var options = new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = true,
            PreTokenizer = new QwenPreTokenizer(),
        };
        return new QwenTokenizer(BpeTokenizer.Create(options), tokenBytes, isSpecial, addedTokens);
    }

    /// <summary>
    /// Fails loudly when <paramref name="normalize"/> does not really do NFC: with invariant globalization (no ICU)
    /// .NET returns non-ASCII text unchanged, and the tokenizer would silently give wrong ids for composed text.
    /// </summary>
    internal static void EnsureNormalizationAvailable(Func<string, string> normalize)
    {
        if (!NfcNormalizer.IsAvailable(normalize))
            throw new InvalidOperationException(
                "Unicode NFC normalization is unavailable in this process (invariant globalization: no ICU), so the Qwen " +
                "tokenizer would give wrong ids for accented or composed text. Install ICU (Debian: apt-get install " +
                "libicu72) and do not set InvariantGlobalization or DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1.");
    }

    private static string? FindSplitPattern(JsonElement root)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object) return null;
        IEnumerable<JsonElement> steps = pre.TryGetProperty("pretokenizers", out var list) ? list.EnumerateArray() : [pre];
        foreach (var step in steps)
            if (step.GetProperty("type").GetString() == "Split" && step.TryGetProperty("pattern", out var p) &&
                p.TryGetProperty("Regex", out var regex))
                return regex.GetString();
        return null;
    }

    private static List<(string, int, bool)> ReadAddedTokensFromConfig(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var list = new List<(string, int, bool)>();
        if (doc.RootElement.TryGetProperty("added_tokens_decoder", out var decoder))
            foreach (var entry in decoder.EnumerateObject())
                list.Add((entry.Value.GetProperty("content").GetString()!, int.Parse(entry.Name, System.Globalization.CultureInfo.InvariantCulture),
                          entry.Value.TryGetProperty("special", out var special) && special.GetBoolean()));
        return list.Count > 0 ? list : QwenSpecialTokens.Qwen25VLAddedTokens.ToList();
    }
}
