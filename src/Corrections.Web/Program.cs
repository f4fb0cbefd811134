using System.Text.Json;
using System.Text.Json.Serialization;
using Corrections.Abuse;
using Corrections.Admin;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Features.ApiDocs;
using Corrections.Features.Inbox;
using Corrections.Features.Notifications;
using Corrections.Features.PageCheck;
using Corrections.Features.Privacy;
using Corrections.Features.Replies;
using Corrections.Features.Reports;
using Corrections.Features.Reports.Admin;
using Corrections.Features.Reports.Submit;
using Corrections.Features.Triage;
using Corrections.Features.Digests;
using Corrections.Features.Webhooks;
using Corrections.Features.Widget;
using Corrections.Pages;
using Corrections.Features.Outbox;
using Corrections.Health;
using Corrections.Outbox;
using Corrections.Pipeline;
using Corrections.Storage;
using Corrections.Telemetry;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);
if (builder.Environment.IsProduction())
    builder.Logging.AddJsonConsole(json => json.IncludeScopes = true);

builder.Services.AddCorrectionsOptions();
builder.Services.AddCorrectionsDb();
builder.Services.AddHostedService<StartupTasks>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddCorrectionsTelemetry(builder.Configuration);
builder.Services.AddMediator((Mediator.MediatorOptions options) =>
{
    options.ServiceLifetime = ServiceLifetime.Scoped; // handlers use the DbContext
    options.PipelineBehaviors = [typeof(ValidationBehavior<,>), typeof(TransactionBehavior<,>)];
});
builder.Services.AddScoped<IValidator<SubmitReport>, SubmitReportValidator>();
builder.Services.AddScoped<IValidator<TriageReport>, TriageReportValidator>();
builder.Services.AddScoped<IValidator<EraseReader>, EraseReaderValidator>();
builder.Services.AddMail();
builder.Services.AddSingleton<EditorMail>();
builder.Services.AddSingleton<ThankYouMail>();
builder.Services.AddSingleton<OutboxSignal>();
builder.Services.AddSingleton<SubmissionsInFlight>();
builder.Services.AddSingleton<ReportKeys>();
builder.Services.AddSubmissionStore();
builder.Services.AddSingleton<TriageLinks>();
builder.Services.AddScoped<InboxSessions>();
builder.Services.AddSingleton<SignInRateLimiter>();
builder.Services.AddWebhooks();
builder.Services.AddSingleton<DigestMail>();
builder.Services.AddHostedService<DigestScheduler>();
builder.Services.AddSigningKeys(builder.Configuration);
builder.Services.AddPageCheck();
builder.Services.AddAntiforgery();
builder.Services.AddHostedService<OutboxDispatcher>();
builder.Services.AddHostedService<ReplyReader>();
builder.Services.AddHostedService<ReaderEmailRetention>();
builder.Services.AddCorrectionsHealthChecks();

builder.Services.AddAdminAuthentication();
builder.Services.AddReportsCors();
builder.Services.AddAbuseProtection();
builder.Services.AddExportsPerKeyLimit();
builder.Services.AddApiDocs();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
builder.Services.ConfigureHttpJsonOptions(json =>
{
    json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
});

var app = builder.Build();

if (args is ["migrate", ..])
    return await MigrateCommand.RunAsync(app.Services, CancellationToken.None);
if (args is ["backup", ..])
    return await BackupCommand.RunAsync(app.Services, args, CancellationToken.None);

app.UseForwardedHeaders();
app.UseSecurityHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCors();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapReports();
app.MapReportsAdmin();
app.MapPrivacy();
app.MapTriagePages();
app.MapInbox();
app.MapPageAssets();
app.MapWidget();
app.MapApiDocs();
app.MapCorrectionsTelemetry();
app.MapOutboxAdmin();
app.MapCorrectionsHealth();

try
{
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync("The configuration is not valid:\n  " + string.Join("\n  ", ex.Failures));
    return 1;
}
catch (DatabaseNotReadyException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 1;
}

public partial class Program;
