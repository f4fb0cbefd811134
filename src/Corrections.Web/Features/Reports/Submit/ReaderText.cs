using System.Text;

namespace Corrections.Features.Reports.Submit;

/// <summary>Normalises what a reader typed or selected: NFC, one kind of line break, no control or bidi-override characters.</summary>
public static class ReaderText
{
    public static string Clean(string text)
    {
        var valid = WithoutLoneSurrogates(text);
        var normalized = valid.IsNormalized(NormalizationForm.FormC) ? valid : valid.Normalize(NormalizationForm.FormC);
        StringBuilder? builder = null;
        for (var i = 0; i < normalized.Length; i++)
        {
            var c = normalized[i];
            var keep = c switch
            {
                '\n' or '\t' => true,
                '\r' => false,
                _ when char.IsControl(c) => false,
                >= '\u202A' and <= '\u202E' => false, // embeddings and overrides
                >= '\u2066' and <= '\u2069' => false, // isolates
                '\u200E' or '\u200F' or '\u061C' => false, // direction marks
                '\uFEFF' => false,
                _ => true,
            };
            if (c == '\r' && (i + 1 == normalized.Length || normalized[i + 1] != '\n'))
            {
                builder ??= new StringBuilder(normalized, 0, i, normalized.Length);
                builder.Append('\n');
                continue;
            }
            if (!keep)
            {
                builder ??= new StringBuilder(normalized, 0, i, normalized.Length);
                continue;
            }
            builder?.Append(c);
        }
        return builder?.ToString() ?? normalized;
    }

    /// <summary>JSON may carry escaped halves of surrogate pairs; they are no text and cannot be normalised.</summary>
    private static string WithoutLoneSurrogates(string text)
    {
        char[]? copy = null;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(text[i]))
            {
                copy ??= text.ToCharArray();
                copy[i] = '\uFFFD';
            }
        }
        return copy is null ? text : new string(copy);
    }
}
