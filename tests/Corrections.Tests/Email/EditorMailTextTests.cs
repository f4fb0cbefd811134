using Corrections.Features.Notifications;
using Corrections.Email;

namespace Corrections.Tests.Email;

public sealed class EditorMailTextTests
{
    [Fact]
    public void A_word_diff_marks_only_the_changed_words()
    {
        var parts = WordDiff.Compare("the brave new wrold of", "the brave new world of");

        Assert.Equal(
            [new(DiffKind.Same, "the brave new "), new(DiffKind.Deleted, "wrold"), new(DiffKind.Inserted, "world"), new DiffPart(DiffKind.Same, " of")],
            parts);
    }

    [Fact]
    public void A_text_fragment_link_uses_a_few_words_of_context_and_percent_encodes_dashes_and_commas()
    {
        var link = TextFragment.Link("https://news.example.org/a?x=1#old", "one two three four five ", "well-known, fact", " six seven eight nine");

        Assert.Equal("https://news.example.org/a?x=1#:~:text=three%20four%20five-,well%2Dknown%2C%20fact,-six%20seven%20eight", link);
    }

    [Fact]
    public void A_long_passage_is_linked_by_its_first_and_last_words()
    {
        var exact = string.Join(' ', Enumerable.Range(1, 20).Select(i => $"w{i}"));

        var link = TextFragment.Link("https://news.example.org/a", "", exact, "");

        Assert.Equal("https://news.example.org/a#:~:text=w1%20w2%20w3%20w4,w17%20w18%20w19%20w20", link);
    }

    [Fact]
    public void A_passage_across_blocks_is_linked_by_the_edges_of_its_first_and_last_blocks_with_context_from_the_blocks_beside_it()
    {
        var link = TextFragment.Link("https://news.example.org/a", "Headline\nThe council voted on Monday to build a line along the ", "river.\nConstruction begins", " next spring, and\nmore");

        Assert.Equal("https://news.example.org/a#:~:text=line%20along%20the-,river.,Construction%20begins,-next%20spring%2C%20and", link);
    }

    [Fact]
    public void Context_that_ends_a_block_is_taken_from_that_block()
    {
        var link = TextFragment.Link("https://news.example.org/a", "the river.\n", "Construction", "\nThe tram");

        Assert.Equal("https://news.example.org/a#:~:text=the%20river.-,Construction,-The%20tram", link);
    }

    [Theory]
    [InlineData("line one\r\nBcc: victim@example.com", 200, "line one Bcc: victim@example.com")]
    [InlineData("  spaced\t\tout  ", 200, "spaced out")]
    [InlineData("a very long passage that goes on and on", 20, "a very long passage…")]
    public void Subject_parts_are_one_trimmed_line(string text, int max, string expected)
    {
        Assert.Equal(expected, EditorMail.OneLine(text, max));
    }
}
