using System.Text.Json;
using System.Text.Json.Serialization;
using Corrections.Admin;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Features.Outbox;
using Corrections.Features.Reports;
using Corrections.Health;
using Corrections.Outbox;
using Corrections.Pipeline;
using Corrections.Telemetry;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddCorrectionsOptions();
builder.Services.AddCorrectionsDb();
builder.Services.AddHostedService<StartupTasks>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<CorrectionsMetrics>();
builder.Services.AddMediator((Mediator.MediatorOptions options) =>
{
    options.ServiceLifetime = ServiceLifetime.Scoped; // handlers use the DbContext
    options.PipelineBehaviors = [typeof(ValidationBehavior<,>), typeof(TransactionBehavior<,>)];
});
builder.Services.AddValidators();
builder.Services.AddMail();
builder.Services.AddSingleton<OutboxSignal>();
builder.Services.AddHostedService<OutboxDispatcher>();
builder.Services.AddCorrectionsHealthChecks();

builder.Services.AddAdminAuthentication();
builder.Services.AddReportsCors();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
builder.Services.ConfigureHttpJsonOptions(json =>
{
    json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
});

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCors();
app.UseAuthentication();
app.UseAuthorization();
app.MapReports();
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

public partial class Program;
