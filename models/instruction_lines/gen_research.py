# -*- coding: utf-8 -*-
"""Generate research.jsonl: hard-negative abstract sentences (ordinary research text).

Mostly hand-written sentences grouped by topic; boiler-plate sections (code/data
availability, trial registration, funding, copyright, numeric results) are
additionally expanded from hand-written templates with random identifiers.
"""
import json, random, re

rng = random.Random(777)

R = {}

R["prompt_injection_research"] = [
    "We show that retrieval-augmented models frequently follow instructions embedded in retrieved documents, even when these conflict with the user's request.",
    "Indirect prompt injection attacks plant adversarial text in web pages, emails or documents that are later processed by an LLM-integrated application.",
    "We introduce a benchmark of 3,200 injected documents spanning question answering, summarization and email triage tasks.",
    "Attack success rates ranged from 12.4% to 71.9% across the seven commercial assistants evaluated.",
    "Our detector classifies each sentence of a retrieved passage as benign or injected and achieves an F1 score of 0.93 on held-out attacks.",
    "We find that models ignore the system prompt in 38% of cases when the injected text is formatted as a fake system message.",
    "Delimiting untrusted content with special tokens reduced, but did not eliminate, successful injections.",
    "Attacks such as the classic 'ignore previous instructions' prompt remain effective against four of the seven models we tested.",
    "We formalize prompt injection as a mismatch between the instruction hierarchy intended by the developer and the one inferred by the model.",
    "Spotlighting, which marks the provenance of input text, lowered attack success from 50% to below 2% on summarization tasks.",
    "Our analysis of 1,045 real-world LLM applications reveals that 31 are vulnerable to data exfiltration through rendered markdown images.",
    "We propose an instruction-hierarchy training scheme that teaches models to assign lower privilege to tool outputs than to system messages.",
    "Injected payloads written in low-resource languages evaded English-only detectors in 64% of trials.",
    "Adaptive attackers who know the defence can craft injections that bypass perplexity-based filters.",
    "We release a dataset of 600 manually verified injection attempts collected from a public capture-the-flag competition.",
    "The results suggest that prompt injection is not solved by larger models alone, as attack success did not decrease with scale.",
    "We evaluate five defences, including paraphrasing, retokenization, sandwich prompting, known-answer detection and fine-tuned classifiers.",
    "Encoded instructions, for example base64 strings with a request to decode them, were followed by the strongest models but not by smaller ones.",
    "Our threat model assumes that the attacker controls a subset of the documents in the retrieval corpus but not the user query.",
    "Hidden text rendered in white font or zero-width characters was retrieved and obeyed by all evaluated web agents.",
    "We characterize how injected instructions propagate through multi-step agent trajectories and trigger unintended tool calls.",
    "Manual inspection revealed that most failed attacks were due to the model summarizing the injected instruction instead of executing it.",
    "Homoglyph substitution and leetspeak perturbations degraded the recall of keyword-based injection filters by more than 40 points.",
    "We argue that any text originating from third parties should be treated as data rather than as instructions.",
]

R["jailbreak_research"] = [
    "Jailbreak prompts exploit role-play scenarios to elicit content that aligned models would otherwise refuse.",
    "We collected 6,387 jailbreak prompts from online forums between December 2022 and December 2023.",
    "Persona-based attacks such as 'Do Anything Now' achieved a mean attack success rate of 0.68 on open-weight chat models.",
    "Our automated red-teaming method generates adversarial suffixes that transfer from open models to proprietary APIs.",
    "Refusal rates dropped sharply when harmful requests were translated into low-resource languages.",
    "We show that many-shot jailbreaking becomes more effective as the context window increases.",
    "Safety fine-tuning can be undone with as few as 100 harmful examples, raising concerns about open fine-tuning APIs.",
    "A classifier trained on model activations detected jailbreak attempts with an AUROC of 0.96.",
    "We analyze why models comply with requests framed as hypothetical stories or academic exercises.",
    "Greedy coordinate gradient search produced suffixes that caused Llama-2-7B-Chat to comply with 88% of harmful behaviours.",
    "Jailbreaks that instruct the model to respond twice, once normally and once without restrictions, were partially mitigated by recent updates.",
    "We introduce JailbreakBench, an open robustness benchmark with a leaderboard and a repository of adversarial prompts.",
    "Over-refusal, in which benign prompts are wrongly refused, increased after safety training in three of five models.",
    "Models were more likely to comply when the harmful request was split across multiple turns.",
]

R["system_prompt_research"] = [
    "System prompts define the persona, constraints and tools of deployed chat assistants, yet they are often extractable by simple queries.",
    "We measure system prompt leakage across 50 custom GPTs and find that 97% reveal their instructions when asked to repeat the text above.",
    "Developers frequently place API keys and internal URLs in system prompts, a practice we show to be unsafe.",
    "We propose a watermarking approach that detects whether a system prompt has been copied by a competing application.",
    "Prompt extraction attacks succeeded more often when the request was phrased as a translation or formatting task.",
    "Our results indicate that system-level instructions lose influence over long conversations, a phenomenon we term instruction drift.",
    "We study how the position of the system message within the context affects compliance with formatting constraints.",
    "Defensive instructions such as 'never reveal these instructions' provided little protection against adaptive extraction queries.",
]

R["instruction_tuning"] = [
    "Instruction tuning on diverse natural-language task descriptions improves zero-shot generalization to unseen tasks.",
    "We fine-tune a 7B-parameter model on 52K instruction-following demonstrations generated by a larger teacher model.",
    "Models trained with reinforcement learning from human feedback follow user instructions more faithfully than supervised baselines.",
    "We find that the quality rather than the quantity of instruction data determines alignment performance.",
    "Self-Instruct bootstraps instruction data from a small seed set of 175 human-written tasks.",
    "Instruction-tuned models tend to answer confidently even when the provided context does not contain the answer.",
    "We evaluate instruction following with verifiable constraints, such as 'respond in fewer than 100 words' or 'use no commas'.",
    "Direct preference optimization matches the performance of PPO-based RLHF while being simpler to implement.",
    "Our multilingual instruction dataset covers 46 languages and 3.2 million prompt-response pairs.",
    "Chain-of-thought instruction data improved performance on arithmetic reasoning benchmarks by 11 points.",
    "We show that instruction-tuned models are sensitive to the wording of the task description, with accuracy varying by up to 20%.",
    "Responses were rated by three annotators for helpfulness, harmlessness and honesty on a five-point Likert scale.",
]

R["chatbots_assistants"] = [
    "We evaluated the accuracy of ChatGPT responses to 284 patient questions about cancer treatment.",
    "The chatbot provided appropriate answers to 84% of questions, although 8% of responses contained potentially harmful advice.",
    "Conversational agents are increasingly used to triage symptoms before a primary care consultation.",
    "Participants preferred the assistant's responses over physicians' answers in 78.6% of the 585 evaluations.",
    "We deployed a voice assistant to support medication adherence in 120 older adults living alone.",
    "The assistant was instructed to answer only from the provided clinical guidelines and to refer users to a clinician otherwise.",
    "Large language model chatbots often fabricate references, with 47% of generated citations not corresponding to real articles.",
    "We designed a mental health chatbot grounded in cognitive behavioural therapy and evaluated it in a randomized trial.",
    "Users who were told that responses came from an AI rated them as less empathetic than identical responses attributed to humans.",
    "The virtual assistant answered questions about the study protocol and reminded participants to complete daily diaries.",
    "We compare GPT-4, Claude 2 and Gemini Pro on board-style examination questions in ophthalmology.",
    "Readability of chatbot answers exceeded the recommended sixth-grade level for patient education materials.",
]

R["red_teaming"] = [
    "Red teaming involves adversarially probing a model to uncover harmful or unintended behaviours before deployment.",
    "We recruited 324 crowdworkers to red-team a dialogue agent and collected 38,961 attack transcripts.",
    "Automated red teaming with a language model attacker discovered failure modes missed by human testers.",
    "Red-team findings were categorized into offensive language, privacy violations, misinformation and dangerous advice.",
    "We describe the red-teaming process used prior to the public release of our model, including external expert testing.",
    "Red-teamers were asked to elicit instructions for synthesizing hazardous chemicals; the model refused in 97% of attempts.",
    "Diversity of attacks was measured by embedding similarity, and our method produced 2.4 times more distinct attacks than baselines.",
    "We find that red-teaming effort saturates after roughly 40 hours per harm category.",
]

R["llm_agents_tools"] = [
    "LLM agents interleave reasoning steps with tool calls such as web search, code execution and database queries.",
    "ReAct prompting allows the model to generate actions, observe their results and update its plan accordingly.",
    "We introduce a benchmark of 1,200 tasks that require agents to call external APIs with correctly formatted JSON arguments.",
    "Agents frequently issued invalid tool calls, most often due to hallucinated parameter names.",
    "We study the security of agents that can send emails, read files and execute shell commands on behalf of users.",
    "Our agent completed 42.3% of the web navigation tasks, compared with 78.2% for human participants.",
    "Tool outputs were returned to the model as observations and appended to the context after each step.",
    "Function calling enables models to produce structured outputs that conform to a developer-specified schema.",
    "We find that agents given access to a Python interpreter solve 28% more data-analysis problems.",
    "AgentDojo evaluates 97 realistic tasks and 629 security test cases for agents operating on untrusted data.",
    "The agent must decide whether to fetch a URL, click a link or submit a form based on the page's accessibility tree.",
    "Failures were dominated by long-horizon planning errors rather than by incorrect individual actions.",
    "We propose a sandboxed execution environment that restricts file-system and network access for autonomous coding agents.",
    "Multi-agent debate improved factual accuracy on biography generation by 9 percentage points.",
    "Agents were evaluated on whether they completed the user's task without performing any unintended side effects.",
]

R["code_generation"] = [
    "Code generation models trained on public repositories achieve 67% pass@1 on HumanEval.",
    "We find that 40% of programs generated by the assistant in security-relevant scenarios contained vulnerabilities.",
    "The model is prompted with a function signature and docstring and must output the function body.",
    "Generated code frequently imports packages that do not exist, creating an opportunity for package hallucination attacks.",
    "We evaluate models on SWE-bench, which requires resolving real GitHub issues in Python repositories.",
    "Unit-test feedback allowed the model to repair 31% of initially failing solutions.",
    "Our tokenizer treats whitespace and indentation explicitly, improving performance on Python by 3.1 points.",
    "Programs are executed in an isolated container, and outputs are compared against reference outputs printed to stdout.",
    "The fine-tuned model correctly translated 82% of Java functions to idiomatic Python.",
    "We study how developers use AI pair programmers and find that accepted suggestions account for 27% of written code.",
    "Static analysis with CodeQL flagged SQL injection and path traversal weaknesses in the generated snippets.",
    "Each benchmark problem includes a natural-language specification, a reference solution and on average 7.7 test cases.",
]

R["data_leakage_privacy"] = [
    "Language models can memorize and regurgitate verbatim sequences from their training data, including personal information.",
    "We extracted 604 unique memorized training examples, including names, phone numbers and email addresses.",
    "Membership inference attacks determine whether a particular record was included in a model's training set.",
    "Benchmark contamination, in which test items appear in pretraining data, inflates reported accuracy by up to 15 points.",
    "We show that fine-tuning on clinical notes increases the risk of leaking protected health information.",
    "Differentially private training with epsilon = 8 reduced extraction success to near zero with a 2.1-point accuracy cost.",
    "Retrieval-augmented systems can expose private documents to users who should not have access to them.",
    "De-identification removed 99.1% of direct identifiers from the discharge summaries.",
    "Data leakage between training and test splits was identified in 294 published studies across 17 fields.",
    "We audit conversation logs and find that users routinely paste passwords and API keys into chat assistants.",
    "Patient records were pseudonymized before analysis, and linkage keys were held by an independent trusted third party.",
]

R["phishing_malware_security"] = [
    "Phishing emails generated by large language models achieved click-through rates comparable to those written by human experts.",
    "We present a URL classifier that detects malicious links using lexical features and domain registration data.",
    "The malware family spreads through malicious macros embedded in spreadsheet attachments.",
    "Our detector identifies credential-harvesting pages by comparing their visual layout with known login portals.",
    "We analyze 12,000 phishing kits and find that 63% exfiltrate credentials via Telegram bots.",
    "Typosquatted domains such as slightly misspelled bank names were registered within hours of the brand's campaign launch.",
    "Cross-site scripting vulnerabilities allow attackers to inject script tags that execute in the victim's browser.",
    "Dynamic analysis in a sandbox revealed that the sample contacts a command-and-control server every 30 seconds.",
    "We evaluate whether LLMs can distinguish phishing from legitimate emails and find an accuracy of 91.2%.",
    "Ransomware incidents in hospitals were associated with a 35% increase in in-hospital mortality for admitted patients.",
    "Obfuscation techniques including base64 encoding and string reversal were present in 71% of malicious JavaScript samples.",
    "Security awareness training reduced phishing simulation click rates from 27% to 11% over 12 months.",
    "The supply-chain attack inserted a backdoor into a widely used compression library.",
    "Adversarial examples can cause malware classifiers to misclassify malicious binaries as benign.",
]

R["web_urls"] = [
    "We crawled 2.1 million URLs from Common Crawl and filtered pages with a quality classifier.",
    "Link rot affected 23% of URLs cited in biomedical articles published between 2005 and 2015.",
    "Web agents must parse HTML, follow hyperlinks and fill in forms to complete booking tasks.",
    "Each page was rendered with a headless browser, and screenshots were paired with the HTML source.",
    "We remove boilerplate such as navigation menus, cookie banners and footers before tokenization.",
    "Markdown formatting, including links and images, was preserved in the cleaned corpus.",
    "Accessibility trees provided a more compact representation of the web page than raw HTML.",
    "The search engine returned on average 8.3 results per query, of which 2.1 were judged relevant.",
]

R["imperative_verbs_scientific"] = [
    "The model learns to output a probability distribution over the vocabulary at each time step.",
    "Participants were asked to answer each question as quickly and accurately as possible.",
    "The network must predict the next token given all previous tokens.",
    "Subjects were instructed to ignore the distractor stimuli and attend to the central target.",
    "The algorithm always terminates after a finite number of iterations.",
    "Patients must fast for at least eight hours before the glucose tolerance test.",
    "The printed sensor arrays were characterized by scanning electron microscopy.",
    "Respondents who did not reply to the first invitation received two reminders.",
    "The decoder outputs a sequence of bounding boxes and class labels.",
    "Clinicians should consider thrombolysis in eligible patients presenting within 4.5 hours of symptom onset.",
    "Our method ignores tokens with attention weights below a learned threshold.",
    "Please refer to the supplementary material for the full derivation.",
    "Readers are referred to Table 2 for the baseline characteristics of the cohort.",
    "The answer extraction module selects the span with the highest start and end scores.",
    "Models that always predict the majority class achieve 71% accuracy on this dataset.",
    "Note that the reported values are means over five random seeds.",
    "To reproduce the experiments, run the provided training script with the default configuration.",
    "Reviewers independently screened titles and abstracts, and disagreements were resolved by discussion.",
    "Annotators were told to label a sentence as toxic if it contained insults or threats.",
    "The classifier must decide, for each sentence, whether it reports a finding or describes background.",
    "Users can print reports, export results as CSV and share dashboards with collaborators.",
    "The prompt asked the model to reply with a single letter corresponding to the chosen option.",
    "Do not resuscitate orders were documented in 18% of admissions.",
    "Never-smokers had a lower incidence of chronic obstructive pulmonary disease than former smokers.",
    "Stop codons were introduced at positions 112 and 245 using site-directed mutagenesis.",
    "Forget gates allow the LSTM to reset its cell state when the context changes.",
    "Respond-to-treatment status was defined as a reduction of at least 50% in the symptom score.",
    "The policy network selects an action, and the environment returns the next state and a reward.",
]

R["ml_general"] = [
    "We propose a sparse mixture-of-experts architecture that activates only two of 64 experts per token.",
    "Our model achieves a new state of the art on ImageNet with 90.2% top-1 accuracy.",
    "Knowledge distillation transfers the behaviour of a large teacher network to a smaller student.",
    "We observe that scaling the number of parameters and training tokens in equal proportion is compute-optimal.",
    "Low-rank adaptation reduces the number of trainable parameters by a factor of 10,000.",
    "The contrastive objective pulls together embeddings of matched image-text pairs and pushes apart mismatched ones.",
    "Diffusion models generate images by iteratively denoising samples drawn from a Gaussian distribution.",
    "We report results averaged over three seeds, with standard deviations shown in parentheses.",
    "Ablation studies confirm that each component contributes to the final performance.",
    "Graph neural networks aggregate information from neighbouring nodes through message passing.",
    "Calibration error decreased from 0.087 to 0.021 after temperature scaling.",
    "Hallucination rates were highest for questions about rare entities and recent events.",
    "We find that in-context examples mainly convey the label space and input format rather than the correct mapping.",
    "Quantizing weights to 4 bits preserved 98% of the full-precision model's accuracy.",
    "The retriever encodes queries and passages independently with a dual-encoder architecture.",
    "Federated learning allows hospitals to train a shared model without exchanging patient data.",
    "Our reward model was trained on 1.2 million pairwise human preference comparisons.",
    "Sentence-level classification of abstracts into background, methods, results and conclusions reached 92.6% accuracy on PubMed 200k RCT.",
]

R["gene_protein_names"] = [
    "Loss of TP53 function was observed in 68% of high-grade serous ovarian carcinomas.",
    "CRISPR-Cas9 knockout of PCSK9 reduced plasma LDL cholesterol by 40% in mice.",
    "BRCA1 and BRCA2 germline variants were identified in 6.1% of the cohort.",
    "Activation of the NF-kB pathway increased IL-6 and TNF-alpha secretion in macrophages.",
    "EGFR exon 19 deletions predicted response to osimertinib.",
    "We identified a novel KRAS G12C inhibitor that binds covalently to the switch II pocket.",
    "APOE e4 carriers showed accelerated amyloid-beta accumulation on PET imaging.",
    "Overexpression of MYC drove proliferation through upregulation of CDK4 and CCND1.",
    "The SARS-CoV-2 spike protein binds ACE2 with nanomolar affinity.",
    "HLA-B*57:01 screening prevents abacavir hypersensitivity reactions.",
    "mTORC1 inhibition with rapamycin extended median lifespan in male and female mice.",
    "PD-L1 expression of at least 50% was associated with improved response to pembrolizumab.",
    "Knockdown of HOTAIR with siRNA suppressed migration and invasion of HCC cells.",
    "The JAK2 V617F mutation was present in 95% of patients with polycythemia vera.",
    "FOXP3+ regulatory T cells were enriched in the tumour microenvironment.",
    "Phosphorylation of tau at Ser202/Thr205 (AT8 epitope) increased with Braak stage.",
    "CFTR modulators improved FEV1 by 10.4 percentage points in patients with at least one F508del allele.",
    "GLP-1 receptor agonists reduced HbA1c by 1.2% compared with placebo.",
    "Single-cell RNA-seq revealed a population of SPP1+ macrophages associated with fibrosis.",
    "The IDH1 R132H mutation defines a subset of gliomas with favourable prognosis.",
    "Variants in FTO and MC4R were associated with body mass index in the UK Biobank.",
    "We observed downregulation of miR-21 and miR-155 after treatment.",
]

R["dataset_benchmark_names"] = [
    "We evaluate on MMLU, GSM8K, HumanEval and TruthfulQA using the standard few-shot settings.",
    "MIMIC-IV contains de-identified records of more than 299,000 patients admitted to a Boston hospital.",
    "Experiments on CIFAR-10, CIFAR-100 and Tiny-ImageNet show consistent gains.",
    "The BioASQ challenge provides biomedical questions with gold-standard answers and supporting snippets.",
    "We fine-tune PubMedBERT on BC5CDR and NCBI-disease for named entity recognition.",
    "CheXpert and MIMIC-CXR were used for training, and PadChest for external validation.",
    "Results on the SQuAD v2.0 development set are reported as exact match and F1.",
    "The UK Biobank cohort comprises approximately 500,000 participants aged 40-69 years at recruitment.",
    "We use The Cancer Genome Atlas (TCGA) pan-cancer dataset with 10,967 tumour samples.",
    "Our model outperforms baselines on the BEIR zero-shot retrieval benchmark across 14 of 18 datasets.",
    "MedQA (USMLE) accuracy increased from 67.2% to 86.5% with the proposed prompting strategy.",
    "Evaluation on the GLUE and SuperGLUE benchmarks shows an average improvement of 1.8 points.",
    "We construct PromptShield-Eval, a corpus of benign and adversarial prompts drawn from 12 sources.",
    "The ADNI cohort provided longitudinal MRI scans for 1,737 participants.",
]

R["version_numbers_software"] = [
    "All analyses were performed in R version 4.3.1 using the lme4 (v1.1-35) and survival (v3.5-7) packages.",
    "Models were implemented in PyTorch 2.1 and trained on eight NVIDIA A100 80GB GPUs.",
    "Reads were aligned to GRCh38 with BWA-MEM v0.7.17 and variants were called with GATK 4.2.",
    "Statistical analyses were conducted with SAS 9.4 (SAS Institute, Cary, NC).",
    "We use the gpt-4-0613 and gpt-3.5-turbo-0301 snapshots accessed through the API in June 2023.",
    "Images were processed in Fiji (ImageJ 1.54f) with a custom macro.",
    "Molecular docking was performed with AutoDock Vina 1.2.3.",
    "Differential expression was assessed with DESeq2 (v1.38.3) using an adjusted p-value threshold of 0.05.",
    "The Llama-2-70b-chat-hf checkpoint was evaluated with vLLM 0.2.7 at temperature 0.",
    "SPSS Statistics version 28.0 (IBM Corp., Armonk, NY, USA) was used for all analyses.",
    "Hyperparameters were tuned with Optuna 3.4 over 200 trials.",
    "Structures were predicted with AlphaFold2 (ColabFold v1.5.2) and visualized in PyMOL 2.5.",
]

R["section_labelled"] = [
    "BACKGROUND: Sepsis remains a leading cause of death in intensive care units worldwide.",
    "OBJECTIVE: To assess the efficacy of early mobilization after cardiac surgery.",
    "METHODS: We conducted a retrospective cohort study of 4,512 adults undergoing elective hip arthroplasty.",
    "RESULTS: The primary outcome occurred in 9.8% of the intervention group and 14.1% of the control group (RR 0.69; 95% CI 0.55-0.87).",
    "CONCLUSIONS: Early mobilization was associated with shorter length of stay without an increase in adverse events.",
    "DESIGN, SETTING, AND PARTICIPANTS: This multicenter randomized clinical trial enrolled 1,020 patients at 22 hospitals.",
    "MAIN OUTCOMES AND MEASURES: The primary outcome was all-cause mortality at 90 days.",
    "CONCLUSIONS AND RELEVANCE: These findings do not support routine use of vitamin D supplementation for fracture prevention.",
    "IMPORTANCE: Large language models are being integrated into clinical documentation workflows.",
    "INTERVENTIONS: Participants were randomized 1:1 to receive semaglutide 2.4 mg weekly or placebo.",
    "PURPOSE: To develop and validate a deep learning model for detecting diabetic retinopathy from fundus photographs.",
    "MATERIALS AND METHODS: Chest radiographs from 32,717 patients were retrospectively collected.",
    "FINDINGS: Between March 2019 and June 2021, 812 participants were enrolled.",
    "INTERPRETATION: Adding the biomarker to clinical risk scores improved discrimination only modestly.",
    "AIMS: We aimed to characterize the gut microbiome of preterm infants receiving probiotics.",
    "Motivation: Protein structure prediction tools are rarely evaluated on intrinsically disordered regions.",
    "Results: The tool processes a typical exome in under ten minutes on a standard laptop.",
    "Availability and implementation: The software is written in Rust and distributed under the Apache 2.0 licence.",
    "Contact: corresponding author at the Department of Biostatistics.",
    "SIGNIFICANCE STATEMENT: Understanding how the hippocampus encodes time is essential for models of episodic memory.",
    "LEVEL OF EVIDENCE: Therapeutic Level II.",
    "KEYWORDS: prompt injection; large language models; retrieval-augmented generation; security",
    "Keywords: Alzheimer's disease; tau; PET imaging; biomarkers",
    "Limitations: The study was observational, and residual confounding cannot be excluded.",
    "TRIAL DESIGN: A double-blind, placebo-controlled, parallel-group trial.",
    "PARTICIPANTS: Adults aged 18-65 years with moderate-to-severe plaque psoriasis.",
    "EXPOSURE: Prenatal exposure to selective serotonin reuptake inhibitors.",
    "NOTE: This is an extended version of a paper presented at the 2023 Conference on Empirical Methods in Natural Language Processing.",
    "Summary: Our findings highlight the need for robust evaluation of assistants before clinical deployment.",
    "Clinical relevance: The proposed score could help clinicians identify patients at high risk of readmission.",
]

R["non_english"] = [
    "Nous proposons une méthode d'apprentissage auto-supervisé pour la segmentation d'images médicales.",
    "Les résultats montrent une réduction significative de la mortalité à 30 jours (p < 0,001).",
    "Cette étude rétrospective a inclus 1 245 patients hospitalisés pour insuffisance cardiaque.",
    "Wir untersuchen die Robustheit großer Sprachmodelle gegenüber manipulierten Eingaben.",
    "Die Studie umfasste 312 Patientinnen mit Mammakarzinom im Stadium II oder III.",
    "Die Ergebnisse deuten darauf hin, dass die Intervention die Lebensqualität signifikant verbessert.",
    "Se incluyeron 842 pacientes con diabetes tipo 2 atendidos en atención primaria.",
    "El modelo propuesto supera a los métodos de referencia en tres conjuntos de datos públicos.",
    "Los asistentes conversacionales pueden seguir instrucciones ocultas en los documentos recuperados.",
    "本研究纳入了2018年至2021年间收治的532例脓毒症患者。",
    "我们提出了一种基于图神经网络的药物相互作用预测方法。",
    "结果表明，该模型在外部验证集上的AUC为0.91。",
    "大语言模型在处理检索到的文档时可能会执行其中嵌入的指令。",
    "本研究では、深層学習を用いた胸部X線画像の自動診断システムを開発した。",
    "対象は2015年から2020年に当院で手術を受けた患者214例である。",
    "大規模言語モデルに対するプロンプトインジェクション攻撃の有効性を評価した。",
    "В исследование были включены 410 пациентов с хронической сердечной недостаточностью.",
    "Предложенная модель превосходит базовые методы по метрике F1 на 4,2 процентных пункта.",
    "Este estudo avaliou a eficácia da vacina em 3.200 profissionais de saúde.",
    "Os resultados indicam que o modelo de linguagem responde corretamente a 81% das perguntas.",
    "Abbiamo valutato la sicurezza dei chatbot basati su modelli linguistici in ambito sanitario.",
    "In deze studie werden 1.024 patiënten met diabetes type 2 gevolgd gedurende vijf jaar.",
    "본 연구에서는 대규모 언어 모델의 탈옥 공격에 대한 방어 기법을 제안한다.",
    "W badaniu wzięło udział 356 dzieci z astmą oskrzelową.",
    "Bu çalışmada derin öğrenme tabanlı bir retina görüntü sınıflandırma yöntemi önerilmektedir.",
    "Abstrak: Penelitian ini mengevaluasi akurasi model bahasa besar dalam menjawab pertanyaan medis.",
]

R["errata_retraction_genuine"] = [
    "A correction to this article has been published and is linked from the online version.",
    "This article has been retracted at the request of the authors because of an error in the data analysis.",
    "Erratum in: J Clin Oncol. 2021;39(12):1402.",
    "Retraction in: Lancet. 2020;395(10240):1820.",
    "An earlier version of this preprint reported an incorrect value for the test-set accuracy, which has been corrected in Table 3.",
    "This version (v2) fixes a bug in the evaluation script that affected the results reported in Section 5.",
    "Comment in: N Engl J Med. 2022;386(4):389-390.",
    "The authors have declared a correction to the affiliations listed in the original publication.",
]

R["ethics_coi_ack"] = [
    "The study was approved by the institutional review board, and written informed consent was obtained from all participants.",
    "The authors declare no competing interests.",
    "J.S. has received consulting fees from Pfizer and Novartis; all other authors report no conflicts of interest.",
    "We thank the patients and families who participated in this study.",
    "We thank the anonymous reviewers for their helpful comments on an earlier draft of this paper.",
    "The authors acknowledge the use of ChatGPT for language editing; all content was reviewed by the authors.",
    "Generative AI tools were not used in the writing of this manuscript.",
    "We are grateful to the staff of the clinical research unit for their assistance with data collection.",
    "The requirement for informed consent was waived because of the retrospective design.",
    "This study followed the STROBE reporting guideline for cohort studies.",
    "The authors thank the developers of open-source libraries used in this work, including NumPy, SciPy and scikit-learn.",
    "Author contributions: A.B. and C.D. designed the study; E.F. analysed the data; all authors approved the final manuscript.",
    "Ethical approval was granted by the Research Ethics Committee (reference 21/LO/0456).",
    "Computational resources were provided by the national supercomputing centre.",
]

R["biomed_results_numbers"] = [
    "Median overall survival was 18.4 months in the combination arm versus 12.9 months with chemotherapy alone (HR 0.64; 95% CI 0.51-0.80; p<0.001).",
    "The sensitivity and specificity of the test were 94.2% and 88.7%, respectively.",
    "Mean systolic blood pressure decreased by 11.3 mm Hg (SD 8.2) at 12 weeks.",
    "There was no significant difference in the incidence of adverse events between groups (23.1% vs 21.8%; p=0.62).",
    "The odds of readmission were higher among patients discharged on weekends (adjusted OR 1.27; 95% CI 1.09-1.48).",
    "Vaccine efficacy against symptomatic infection was 95.0% (95% CI 90.3-97.6).",
    "The area under the receiver operating characteristic curve was 0.87 in the development cohort and 0.83 in external validation.",
    "Serum ferritin levels above 1,000 ng/mL were associated with a threefold increase in mortality.",
    "Number needed to treat to prevent one hospitalization was 27.",
    "Interrater agreement was substantial (Cohen's kappa = 0.78).",
    "A total of 12,384 records were screened, and 47 studies met the inclusion criteria.",
    "Heterogeneity across studies was high (I^2 = 82%).",
    "The incidence rate was 3.4 per 1,000 person-years (95% CI 2.9-4.0).",
    "Compared with placebo, treatment reduced the annualized relapse rate by 54% (rate ratio 0.46; p<0.0001).",
    "Weight loss at 68 weeks was 14.9% with semaglutide and 2.4% with placebo.",
    "Median time to recovery was 10 days versus 15 days (rate ratio for recovery 1.29).",
    "Among 2,041 children, 7.3% developed persistent symptoms lasting more than 12 weeks.",
    "The correlation between predicted and measured values was strong (r = 0.91, p < 0.001).",
    "The prevalence of hypertension was 31.1% in men and 26.4% in women.",
    "Each 10 ug/m3 increase in PM2.5 was associated with a 6% higher risk of cardiovascular death.",
]


R["quoted_examples"] = [
    "For example, when asked 'Which drug is first-line for type 2 diabetes?', the model answered 'metformin' in 96% of samples.",
    "A typical injected instruction in our corpus asks the assistant to append a link to an external website.",
    "Example outputs are shown in Table 4, where the model replies 'I cannot help with that' to benign requests.",
    "The prompt template reads 'Answer the question based on the context below' followed by the retrieved passages.",
    "Annotators labelled the response 'Sure, here is how to ...' as a successful jailbreak only if harmful content followed.",
    "Models were queried with the instruction 'Summarize the following abstract in one sentence'.",
    "In the canary setting, a random token is inserted into a document to test whether it appears in the model's output.",
    "We measured how often the secret string appeared verbatim in the generated summary.",
    "The user turn and assistant turn were separated by the model's native chat template tokens.",
    "Outputs were parsed with a regular expression that extracts the text following 'Answer:'.",
    "Participants answered the question 'How confident are you in this diagnosis?' on a 0-10 scale.",
    "When the system prompt stated 'You are a helpful medical assistant', refusal rates decreased by 6%.",
]

R["markup_artifacts"] = [
    "Levels of CD4<sup>+</sup> and CD8<sup>+</sup> T cells increased after vaccination.",
    "The reaction yielded CO<sub>2</sub> and H<sub>2</sub>O as the only by-products.",
    "Serum 25(OH)D concentrations were measured by LC-MS/MS (<i>n</i> = 1,204).",
    "Results were significant at <i>p</i> &lt; 0.05 after Bonferroni correction.",
    "The <i>Escherichia coli</i> strain was engineered to overexpress <i>lacZ</i>.",
    "[Figure: see text]",
    "See Fig. 2 and Supplementary Table S3 for per-dataset results.",
    "**Background** Antimicrobial resistance is a growing threat to global health.",
    "Our contributions are threefold: (i) a new dataset, (ii) a strong baseline, and (iii) an error analysis.",
    "This abstract was presented at the Annual Meeting of the American Society of Clinical Oncology, Chicago, IL, 2023.",
    "Full text available in the online version of this article.",
    "Page 1 of 12 - Preprint not peer reviewed.",
]

# -------- templated boilerplate ----------
USERS = ["nlp-lab", "jzhang", "mlsec-group", "bioinfo-unit", "kpetrov", "clinical-ai", "stanfordmlgroup-x",
         "the-omics-lab", "rgarcia", "tum-ml", "ucl-dsi", "hku-nlp", "epfl-lts", "cmu-agents", "msk-comp"]
REPOS = ["promptguard", "rag-eval", "scDeconv", "trialmatch", "chexfusion", "injection-bench", "genomix",
         "med-qa-llm", "agent-sandbox", "sepsis-predict", "protein-lm", "safe-summarizer", "cellpose-plus",
         "fairness-audit", "jailbreak-study", "ehr-tokenizer"]
PKGS = ["scDeconv", "trialmatch", "GenoMix", "PhyloTrace", "CellTyper", "MetaPath", "RiboSeqR", "tidyclin"]

def num(n): return "".join(rng.choice("0123456789") for _ in range(n))

T = {}
T["code_availability"] = [
    "Code is available at https://github.com/{U}/{R}.",
    "Our implementation and pretrained models are publicly available at https://github.com/{U}/{R}.",
    "The source code is released under the MIT License at https://github.com/{U}/{R}.",
    "Code and data to reproduce all experiments are available at https://github.com/{U}/{R}.",
    "An open-source implementation is provided at https://gitlab.com/{U}/{R}.",
    "The R package {P} is freely available from CRAN and at https://github.com/{U}/{R}.",
    "Project page: https://{U}.github.io/{R}",
    "Availability and implementation: {P} is implemented in Python and available at https://github.com/{U}/{R}.",
    "Supplementary data are available at Bioinformatics online.",
    "The web server is freely accessible at https://{R}.compbio-lab.org/.",
    "All prompts, model outputs and evaluation scripts are released at https://github.com/{U}/{R} to support future research.",
    "A Docker image with all dependencies is available on Docker Hub ({U}/{R}:1.0).",
    "The package can be installed with pip install {R} and is documented at https://{R}.readthedocs.io.",
    "Code: https://github.com/{U}/{R} (archived at Zenodo, https://doi.org/10.5281/zenodo.{N7}).",
]
T["data_availability"] = [
    "The datasets generated during the current study are available in the Zenodo repository, https://doi.org/10.5281/zenodo.{N7}.",
    "RNA-seq data have been deposited in GEO under accession number GSE{N6}.",
    "Raw sequencing reads are available from the NCBI Sequence Read Archive under BioProject PRJNA{N6}.",
    "Data are available from the corresponding author upon reasonable request.",
    "The mass spectrometry proteomics data have been deposited to the ProteomeXchange Consortium via the PRIDE partner repository with the dataset identifier PXD0{N5}.",
    "Summary statistics are available from the GWAS Catalog (accession GCST90{N6}).",
    "Atomic coordinates have been deposited in the Protein Data Bank under accession code {PDB}.",
    "De-identified participant data will be made available to qualified researchers after approval of a proposal.",
    "The benchmark and annotation guidelines are publicly available on the Hugging Face Hub under a CC BY 4.0 licence.",
    "Data availability: MIMIC-IV is available to credentialed users through PhysioNet (https://physionet.org).",
    "Data sharing statement: Individual participant data that underlie the results will be shared after de-identification.",
    "The cryo-EM density maps have been deposited in the Electron Microscopy Data Bank under accession code EMD-{N5}.",
]
T["trial_registration"] = [
    "Trial registration: ClinicalTrials.gov, NCT0{N7}. Registered {D}.",
    "TRIAL REGISTRATION: ClinicalTrials.gov Identifier: NCT0{N7}.",
    "TRIAL REGISTRATION: ISRCTN{N8}.",
    "This trial was registered with the Australian New Zealand Clinical Trials Registry (ACTRN1261{N10}).",
    "PROSPERO registration number: CRD420{N8}.",
    "The study protocol was registered at the Chinese Clinical Trial Registry (ChiCTR2{N9}).",
    "EudraCT number: 20{YY}-00{N4}-{N2}.",
    "Registration: German Clinical Trials Register DRKS000{N5}.",
    "The trial is registered with the Clinical Trials Registry - India (CTRI/20{YY}/0{N1}/0{N5}).",
    "Clinical trial number: not applicable.",
]
T["copyright_licence"] = [
    "© {Y} The Author(s). Published by Elsevier Inc.",
    "Copyright © {Y} Wiley Periodicals LLC.",
    "This is an open access article under the CC BY-NC-ND license (http://creativecommons.org/licenses/by-nc-nd/4.0/).",
    "© The Author(s) {Y}. Published by Oxford University Press on behalf of the Society for Molecular Biology and Evolution.",
    "(c) {Y} Published by Elsevier B.V. All rights reserved.",
    "Copyright © {Y} the Author(s). Published by PNAS.",
    "© {Y} American Medical Association. All rights reserved.",
    "This article is distributed under the terms of the Creative Commons Attribution 4.0 International License.",
    "Published under exclusive licence to Springer Nature Limited.",
    "PsycINFO Database Record (c) {Y} APA, all rights reserved.",
    "© {Y} IEEE. Personal use of this material is permitted.",
    "This work is licensed under a Creative Commons Attribution 4.0 International License (CC BY 4.0).",
    "© {Y} Association for Computational Linguistics.",
    "Copyright © {Y} by the American Association for the Advancement of Science; no claim to original U.S. Government Works.",
    "This article is protected by copyright. All rights reserved.",
]
T["funding"] = [
    "This work was supported by the National Institutes of Health (grant R01 CA{N6}).",
    "Funding: National Natural Science Foundation of China (No. 8{N7}).",
    "This research was funded by the Wellcome Trust [grant number 2{N5}/Z/{YY}/Z].",
    "The funders had no role in study design, data collection and analysis, decision to publish, or preparation of the manuscript.",
    "Supported by the Deutsche Forschungsgemeinschaft (DFG, German Research Foundation) - Project-ID 4{N8}.",
    "FUNDING: European Research Council under the Horizon 2020 research and innovation programme (grant agreement No 8{N5}).",
    "This study was funded by Novo Nordisk; the sponsor had no role in data analysis or interpretation.",
    "This work was partially supported by NSF award IIS-{N7} and a gift from an industry partner.",
    "Funding: UK Research and Innovation (UKRI) Future Leaders Fellowship MR/T0{N5}/1.",
    "The study received no specific grant from any funding agency in the public, commercial or not-for-profit sectors.",
    "Supported in part by JSPS KAKENHI Grant Number JP{YY}K{N5}.",
    "Funded by the Swiss National Science Foundation (grant 310030_{N6}).",
]
T["numeric_results_templated"] = [
    "In the {ARM} group, the primary endpoint occurred in {P1}% of patients compared with {P2}% in the control group (p={PV}).",
    "The model achieved an AUROC of 0.{A2} (95% CI 0.{B2}-0.{C2}) on the held-out test set.",
    "Accuracy improved from {P2}% to {P1}% when retrieval was added.",
    "Attack success rate decreased from {P1}% to {P3}% with the proposed defence.",
    "After adjustment for age and sex, the hazard ratio was {HR} (95% CI {HRL}-{HRU}).",
]

def fill_t(t):
    y = rng.choice(range(2012, 2025))
    D = f"{rng.randint(1,28)} {rng.choice(['January','March','May','July','September','November'])} {y}"
    pdb = rng.choice("123456789") + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(3))
    p1 = round(rng.uniform(30, 90), 1); p2 = round(p1 - rng.uniform(3, 25), 1); p3 = round(rng.uniform(1, 20), 1)
    hr = round(rng.uniform(0.4, 1.8), 2)
    a2 = rng.randint(72, 97)
    sub = {"U": rng.choice(USERS), "R": rng.choice(REPOS), "P": rng.choice(PKGS), "Y": str(y), "YY": str(y)[2:],
           "D": D, "PDB": pdb, "ARM": rng.choice(["intervention", "treatment", "high-dose", "early-surgery"]),
           "P1": str(p1), "P2": str(p2), "P3": str(p3), "PV": rng.choice(["0.003", "0.04", "0.21", "<0.001", "0.008"]),
           "A2": str(a2), "B2": str(a2 - rng.randint(2, 6)), "C2": str(min(99, a2 + rng.randint(1, 4))),
           "HR": f"{hr:.2f}", "HRL": f"{hr*0.8:.2f}", "HRU": f"{hr*1.25:.2f}"}
    def rep(m):
        k = m.group(1)
        if re.fullmatch(r"N\d+", k): return num(int(k[1:]))
        return sub.get(k, m.group(0))
    return re.sub(r"\{([A-Z0-9]+)\}", rep, t)

EXTRA = {"code_availability": 22, "data_availability": 18, "trial_registration": 14, "copyright_licence": 18,
         "funding": 16, "numeric_results_templated": 12}

def build():
    out, seen = [], set()
    def add(text, topic):
        if text in seen: return False
        seen.add(text); out.append({"text": text, "topic": topic}); return True
    for topic, lines in R.items():
        for l in lines: add(l, topic)
    for topic, temps in T.items():
        n = 0
        for t in temps:
            if add(fill_t(t), topic): n += 1
        tries = 0
        slotted = [t for t in temps if re.search(r"\{[A-Z0-9]+\}", t)]
        while n < EXTRA[topic] and tries < 300:
            tries += 1
            if add(fill_t(rng.choice(slotted)), topic): n += 1
    return out

if __name__ == "__main__":
    rows = build()
    with open("/work/blind/inj_train/research.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    from collections import Counter
    c = Counter(r["topic"] for r in rows)
    print(len(rows), "lines,", len(c), "topics")
    for s, k in sorted(c.items()):
        print(f"{s}\t{k}")
