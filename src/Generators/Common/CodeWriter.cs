// PruneVid.NET — source generators.
using System.Text;

namespace PruneVid.Generators.Common;

/// <summary>A small indenting writer for generated C# (four spaces, '\n' line endings on every platform).</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;

    /// <summary>Writes text as is.</summary>
    public CodeWriter Raw(string text)
    {
        _text.Append(text);
        return this;
    }

    /// <summary>Writes one indented line (or an empty line).</summary>
    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', _depth * 4).Append(line);
        _text.Append('\n');
        return this;
    }

    /// <summary>Writes '{' and indents.</summary>
    public CodeWriter Open() => Line("{").Indent();

    /// <summary>Dedents and writes the closing text ('}' by default).</summary>
    public CodeWriter Close(string closing = "}") => Dedent().Line(closing);

    public CodeWriter Indent()
    {
        _depth++;
        return this;
    }

    public CodeWriter Dedent()
    {
        _depth--;
        return this;
    }

    public override string ToString() => _text.ToString();
}
