using Corrections.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Corrections.BrowserTests;

[Collection(BrowserCollection.Name)]
public sealed class LanguageTests(WidgetHarness harness)
{
    [Theory]
    [InlineData("en", "Report a mistake", "Send", "Found a mistake? Select it and press Ctrl+Enter.")]
    [InlineData("uk", "Повідомити про помилку", "Надіслати", "Знайшли помилку? Виділіть її та натисніть Ctrl+Enter.")]
    [InlineData("es", "Informar de un error", "Enviar", "¿Ha visto un error? Selecciónelo y pulse Ctrl+Enter.")]
    [InlineData("fr", "Signaler une erreur", "Envoyer", "Une erreur\u202f? Sélectionnez-la et appuyez sur Ctrl+Enter.")]
    [InlineData("de", "Fehler melden", "Senden", "Fehler gefunden? Markieren Sie ihn und drücken Sie Strg+Enter.")]
    [InlineData("ru", "Сообщить об ошибке", "Отправить", "Нашли ошибку? Выделите её и нажмите Ctrl+Enter.")]
    [InlineData("pl", "Zgłoś błąd", "Wyślij", "Widzisz błąd? Zaznacz go i naciśnij Ctrl+Enter.")]
    [InlineData("ar", "الإبلاغ عن خطأ", "إرسال", "وجدت خطأً؟ حدّده واضغط Ctrl+Enter.")]
    [InlineData("he", "דיווח על טעות", "שליחה", "מצאת טעות? יש לסמן אותה וללחוץ Ctrl+Enter.")]
    public async Task The_page_language_chooses_the_words_when_the_site_has_none_of_ours(string lang, string title, string send, string hint)
    {
        // The site "world" is configured in a language the widget does not speak.
        await using var reader = await harness.OpenAsync($"/news/lang-{lang}?site=world&lang={lang}");

        Assert.Equal(hint, await reader.Hint.TextContentAsync()); // exactly, no white space normalised
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        await Expect(reader.Title).ToHaveTextAsync(title);
        await Expect(reader.Send).ToHaveTextAsync(send);
        await Expect(reader.Dialog).ToHaveAttributeAsync("lang", lang);
        Assert.Empty(reader.Errors);
    }

    [Fact]
    public async Task The_page_language_comes_before_the_site_language()
    {
        await using var reader = await harness.OpenAsync("/news/page-language?site=kyiv&lang=de");

        await Expect(reader.Hint).ToHaveTextAsync("Fehler gefunden? Markieren Sie ihn und drücken Sie Strg+Enter.");
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await Expect(reader.Title).ToHaveTextAsync("Fehler melden");
        await Expect(reader.Page.Locator("corrections-widget .n")).ToHaveTextAsync("Kyiv Daily");

        await reader.SendAsync();
        await Expect(reader.Status).ToHaveTextAsync("Danke! Die Redaktion hat Ihre Meldung.");
    }

    [Fact]
    public async Task The_language_nearest_the_selection_comes_first()
    {
        await using var reader = await harness.OpenAsync("/news/article-language?site=demo&lang=en&article-lang=uk");

        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        await Expect(reader.Title).ToHaveTextAsync("Повідомити про помилку");
        await Expect(reader.Dialog).ToHaveAttributeAsync("lang", "uk");
    }

    [Fact]
    public async Task The_site_language_fills_in_when_the_page_says_nothing()
    {
        await using var reader = await harness.OpenAsync("/news/site-language?site=kyiv&lang=");

        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await Expect(reader.Title).ToHaveTextAsync("Повідомити про помилку");
        await Expect(reader.Hint).ToHaveTextAsync("Знайшли помилку? Виділіть її та натисніть Ctrl+Enter.");

        await reader.SendAsync();
        await Expect(reader.Status).ToHaveTextAsync("Дякуємо! Повідомлення отримала редакція.");
    }

    [Fact]
    public async Task French_puts_a_narrow_no_break_space_before_double_punctuation()
    {
        await using var reader = await harness.OpenAsync("/news/french?site=world&lang=fr", new() { Locale = "fr-FR", HasTouch = true });
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        await reader.SendAsync();

        var words = new[] { await reader.Status.TextContentAsync(), await reader.Hint.TextContentAsync() };
        Assert.Equal("Merci\u202f! La rédaction a reçu votre signalement.", words[0]);
        Assert.All(words, w => Assert.DoesNotMatch(@"[ \u00a0][?!:;]", w!));
    }

    [Fact]
    public async Task The_browser_language_is_the_last_resort()
    {
        await using var reader = await harness.OpenAsync("/news/browser-language?site=world&lang=", new() { Locale = "pl-PL" });

        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        await Expect(reader.Title).ToHaveTextAsync("Zgłoś błąd");
    }

    [Fact]
    public async Task The_embed_may_choose_the_language_and_its_own_words_and_colour()
    {
        var strings = Uri.EscapeDataString("""{"fr":{"t":"Une coquille ?"}}""");
        await using var reader = await harness.OpenAsync($"/news/overrides?site=kyiv&data-lang=fr&data-strings={strings}&data-accent=%23b00020");

        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        await Expect(reader.Title).ToHaveTextAsync("Une coquille ?");
        await Expect(reader.Send).ToHaveTextAsync("Envoyer");
        await Expect(reader.Send).ToHaveCSSAsync("background-color", "rgb(176, 0, 32)");
    }

    [Fact]
    public async Task The_dialog_runs_in_the_direction_of_its_own_language_not_the_page_s()
    {
        await using var reader = await harness.OpenAsync("/news/rtl?dir=rtl");
        await reader.SelectAsync("#cost", "goverment");

        await reader.Page.Keyboard.PressAsync("Control+Enter");

        await Expect(reader.Title).ToHaveTextAsync("Report a mistake");
        await Expect(reader.Dialog).ToHaveAttributeAsync("dir", "ltr");
        await Expect(reader.Dialog).ToHaveCSSAsync("direction", "ltr");
    }

    [Theory]
    [InlineData("ar", "الإبلاغ عن خطأ", "شكرًا لك! وصل بلاغك إلى المحررين.")]
    [InlineData("he", "דיווח על טעות", "תודה! הדיווח שלך הגיע למערכת.")]
    public async Task Arabic_and_Hebrew_dialogs_run_right_to_left(string lang, string title, string thanks)
    {
        await using var reader = await harness.OpenAsync($"/news/rtl-{lang}?site=world&lang={lang}&dir=rtl");
        await reader.SelectAsync("#cost", "goverment");

        await reader.Page.Keyboard.PressAsync("Control+Enter");

        await Expect(reader.Title).ToHaveTextAsync(title);
        await Expect(reader.Dialog).ToHaveAttributeAsync("dir", "rtl");
        await reader.Page.ScreenshotAsync(new() { Path = Path.Combine(WidgetHarness.Artifacts, $"dialog-rtl-{lang}.png"), Animations = ScreenshotAnimations.Disabled });
        await reader.SendAsync();
        await Expect(reader.Status).ToHaveTextAsync(thanks);
    }
}
