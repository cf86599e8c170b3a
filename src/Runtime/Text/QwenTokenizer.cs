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
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="TokenizerFormatException">The file is not a usable byte-level BPE tokenizer (the message names the file and the field).</exception>
    public static QwenTokenizer FromTokenizerJson(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"tokenizer file '{path}' not found", path);
        EnsureNormalizationAvailable(text => text.Normalize(NormalizationForm.FormC));
        using var doc = TokenizerJson.Parse(path);
        var root = TokenizerJson.Expect(doc.RootElement, JsonValueKind.Object, "the document", path);
        var model = TokenizerJson.Property(root, "model", "model", path);
        string type = TokenizerJson.String(TokenizerJson.Property(model, "type", "model.type", path), "model.type", path);
        if (type != "BPE") throw new TokenizerFormatException(path, $"model.type is '{type}', but only byte-level BPE tokenizers (\"BPE\") are supported");

        var vocabElement = TokenizerJson.Expect(TokenizerJson.Property(model, "vocab", "model.vocab", path), JsonValueKind.Object, "model.vocab", path);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabElement.EnumerateObject()) vocab[entry.Name] = TokenizerJson.Id(entry.Value, $"model.vocab[\"{Short(entry.Name)}\"]", path);

        var mergesElement = TokenizerJson.Expect(TokenizerJson.Property(model, "merges", "model.merges", path), JsonValueKind.Array, "model.merges", path);
        var merges = new List<string>(mergesElement.GetArrayLength());
        int m = 0;
        foreach (var merge in mergesElement.EnumerateArray())
        {
            string at = TokenizerJson.Index("model.merges", m++);
            // Newer files store each merge as a pair ["a","b"], older ones as the string "a b".
            if (merge.ValueKind == JsonValueKind.Array)
            {
                if (merge.GetArrayLength() != 2) throw new TokenizerFormatException(path, $"{at} should be a pair of tokens, found {merge.GetArrayLength()} items");
                merges.Add(TokenizerJson.String(merge[0], at + "[0]", path) + " " + TokenizerJson.String(merge[1], at + "[1]", path));
            }
            else merges.Add(TokenizerJson.String(merge, at, path));
        }

        var added = new List<(string Content, int Id, bool Special)>();
        if (root.TryGetProperty("added_tokens", out var addedTokens) && addedTokens.ValueKind != JsonValueKind.Null)
        {
            int a = 0;
            foreach (var token in TokenizerJson.Expect(addedTokens, JsonValueKind.Array, "added_tokens", path).EnumerateArray())
            {
                string at = TokenizerJson.Index("added_tokens", a++);
                added.Add((TokenizerJson.String(TokenizerJson.Property(token, "content", at + ".content", path), at + ".content", path),
                           TokenizerJson.Id(TokenizerJson.Property(token, "id", at + ".id", path), at + ".id", path),
                           token.TryGetProperty("special", out var special) && special.ValueKind == JsonValueKind.True));
            }
        }

        string pattern;
        try
        {
            pattern = FindSplitPattern(root) ?? PreTokenizerPattern;
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException)
        {
            throw new TokenizerFormatException(path, $"pre_tokenizer cannot be read ({Errors.UserMessages.Describe(e)})", e);
        }
        return Build(vocab, merges, added, pattern, path);
    }

    /// <summary>Loads <c>vocab.json</c> + <c>merges.txt</c>; added tokens come from <paramref name="tokenizerConfigPath"/> when it exists.</summary>
    /// <exception cref="FileNotFoundException">vocab.json or merges.txt does not exist.</exception>
    /// <exception cref="TokenizerFormatException">One of the files cannot be used (the message names it).</exception>
    public static QwenTokenizer FromVocabAndMerges(string vocabPath, string mergesPath, string? tokenizerConfigPath = null)
    {
        if (!File.Exists(vocabPath)) throw new FileNotFoundException($"vocabulary file '{vocabPath}' not found", vocabPath);
        if (!File.Exists(mergesPath)) throw new FileNotFoundException($"merges file '{mergesPath}' not found", mergesPath);
        EnsureNormalizationAvailable(text => text.Normalize(NormalizationForm.FormC));
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var doc = TokenizerJson.Parse(vocabPath))
        {
            var root = TokenizerJson.Expect(doc.RootElement, JsonValueKind.Object, "the document", vocabPath);
            foreach (var entry in root.EnumerateObject()) vocab[entry.Name] = TokenizerJson.Id(entry.Value, $"[\"{Short(entry.Name)}\"]", vocabPath);
        }
        var merges = new List<string>();
        int lineNumber = 0;
        foreach (string line in ReadMergeLines(mergesPath))
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith("#version", StringComparison.Ordinal)) continue;
            if (line.Split(' ').Length != 2)
                throw new TokenizerFormatException(mergesPath, $"line {lineNumber} should hold two tokens separated by one space, found '{Short(line)}'");
            merges.Add(line);
        }
        var added = tokenizerConfigPath is not null && File.Exists(tokenizerConfigPath)
            ? ReadAddedTokensFromConfig(tokenizerConfigPath)
            : QwenSpecialTokens.Qwen25VLAddedTokens.ToList();
        return Build(vocab, merges, added, PreTokenizerPattern, $"{vocabPath} + {Path.GetFileName(mergesPath)}");
    }

    private static IEnumerable<string> ReadMergeLines(string path)
    {
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path, strict);
        }
        catch (DecoderFallbackException e)
        {
            throw new TokenizerFormatException(path, "the file is not valid UTF-8 text", e);
        }
        return lines;
    }

    private static string Short(string text) => text.Length <= 40 ? text : text[..37] + "...";

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
                                       List<(string Content, int Id, bool Special)> added, string pattern, string source)
    {
        if (vocab.Count == 0) throw new TokenizerFormatException(source, "the vocabulary is empty");
        if (pattern != PreTokenizerPattern)
            throw new TokenizerFormatException(source, $"the pre-tokenizer pattern '{Short(pattern)}' is not supported: only Qwen2's byte-level BPE split is implemented");
        int maxId = Math.Max(vocab.Values.Max(), added.Count == 0 ? 0 : added.Max(a => a.Id));
        TokenizerJson.RequireDenseIds(maxId, vocab.Count + added.Count, source);

        var addedTokens = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in added) addedTokens[token.Content] = token.Id;

        int count = Math.Max(vocab.Count == 0 ? 0 : vocab.Values.Max() + 1, added.Count == 0 ? 0 : added.Max(a => a.Id) + 1);
        var tokenBytes = new byte[]?[count];
        var isSpecial = new bool[count];
        try
        {
            foreach (var (token, id) in vocab) tokenBytes[id] = ByteLevel.ToBytes(token);
        }
        catch (FormatException e)
        {
            throw new TokenizerFormatException(source, Errors.UserMessages.Describe(e), e);
        }
        foreach (var token in added)
        {
            tokenBytes[token.Id] = Encoding.UTF8.GetBytes(token.Content);
            isSpecial[token.Id] = token.Special;
        }

        // Added tokens and NFC are handled in Encode, so the BPE model sees plain normalised text only.
        var options = new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = true,
            PreTokenizer = new QwenPreTokenizer(),
        };
        BpeTokenizer bpe;
        try
        {
            bpe = BpeTokenizer.Create(options);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new TokenizerFormatException(source, $"the vocabulary and merges do not form a BPE model: {Errors.UserMessages.Describe(e)}", e);
        }
        return new QwenTokenizer(bpe, tokenBytes, isSpecial, addedTokens);
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
        using var doc = TokenizerJson.Parse(path);
        var list = new List<(string, int, bool)>();
        var root = TokenizerJson.Expect(doc.RootElement, JsonValueKind.Object, "the document", path);
        if (root.TryGetProperty("added_tokens_decoder", out var decoder) && decoder.ValueKind != JsonValueKind.Null)
            foreach (var entry in TokenizerJson.Expect(decoder, JsonValueKind.Object, "added_tokens_decoder", path).EnumerateObject())
            {
                string at = $"added_tokens_decoder[\"{Short(entry.Name)}\"]";
                if (!int.TryParse(entry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id))
                    throw new TokenizerFormatException(path, $"{at}: the key should be a non-negative token id");
                list.Add((TokenizerJson.String(TokenizerJson.Property(entry.Value, "content", at + ".content", path), at + ".content", path), id,
                          entry.Value.TryGetProperty("special", out var special) && special.ValueKind == JsonValueKind.True));
            }
        return list.Count > 0 ? list : QwenSpecialTokens.Qwen25VLAddedTokens.ToList();
    }
}
