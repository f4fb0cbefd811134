using Corrections.Features.Notifications;
using System.Runtime.CompilerServices;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Features.Reports.Submit;
using Corrections.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Corrections.Tests.Email;

public sealed class EditorMailMemoryTests() : ServiceTest(TestRelay.None)
{
    [Fact]
    public void Mails_the_service_has_composed_are_not_kept_alive_by_it()
    {
        var mail = App.Services.GetRequiredService<EditorMail>();
        var site = App.Services.GetRequiredService<SiteDirectory>().Find("demo")!;

        var composed = ComposeAndLetGo(mail, site, count: 20);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Equal(0, composed.Count(message => message.TryGetTarget(out _)));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference<MimeMessage>> ComposeAndLetGo(EditorMail mail, Site site, int count)
    {
        var composed = new List<WeakReference<MimeMessage>>();
        var keys = new ReportKeys();
        for (var i = 0; i < count; i++)
        {
            var now = DateTimeOffset.UtcNow;
            var report = new Report
            {
                Id = Guid.CreateVersion7(), SiteKey = site.Key, Url = $"https://news.example.org/a/{i}", DuplicateKey = $"key {i}",
                Exact = $"passage {i}", Suggestion = $"fix {i}", ReaderCount = 1, CreatedAt = now, UpdatedAt = now,
                ReplyToken = keys.NewReplyToken(now),
            };
            composed.Add(new WeakReference<MimeMessage>(mail.Compose(report, site, "editors@news.example.org")));
        }
        return composed;
    }
}
